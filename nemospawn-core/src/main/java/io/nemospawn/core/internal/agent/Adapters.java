package io.nemospawn.core.internal.agent;

import io.nemospawn.core.internal.agent.Adapter.PromptVia;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapter registry: one entry per supported agent CLI. Each entry follows the CLI's own
 * documentation; docs/agents.md lists the sources and what we could not confirm.
 */
public final class Adapters {
  private static final Map<String, Adapter> ALL = new LinkedHashMap<>();

  static {
    add(new Adapter(
        "claude",
        "claude",
        PromptVia.SYSTEM_FLAG,
        "--append-system-prompt",
        "",
        List.of("-p"),
        "",
        "--model",
        List.of("ANTHROPIC_API_KEY"),
        "ANTHROPIC_BASE_URL",
        "https://code.claude.com/docs/en/cli-reference"));
    add(new Adapter(
        "codex",
        "codex",
        PromptVia.FIRST_MESSAGE,
        "",
        "",
        List.of("exec"),
        "",
        "--model",
        List.of("OPENAI_API_KEY", "CODEX_API_KEY"),
        "OPENAI_BASE_URL",
        "https://developers.openai.com/codex/noninteractive"));
    add(new Adapter(
        "kimi",
        "kimi",
        PromptVia.FIRST_MESSAGE,
        "",
        null,
        List.of("--print"),
        "-p",
        "--model",
        List.of(),
        "",
        "https://moonshotai.github.io/kimi-cli/en/reference/kimi-command.html"));
    add(new Adapter(
        "cursor",
        "cursor-agent",
        PromptVia.FIRST_MESSAGE,
        "",
        "",
        List.of("-p"),
        "",
        "--model",
        List.of("CURSOR_API_KEY"),
        "",
        "https://cursor.com/docs/cli"));
    add(new Adapter(
        "nanobot",
        "nanobot",
        PromptVia.FIRST_MESSAGE,
        "",
        null,
        List.of(),
        "-m",
        "",
        List.of(),
        "",
        "https://github.com/HKUDS/nanobot (nanobot agent -m)"));
    add(new Adapter(
        "aider",
        "aider",
        PromptVia.FILE_FLAG,
        "--read",
        null,
        List.of(),
        "--message",
        "--model",
        List.of(),
        "",
        "https://aider.chat/docs/config/options.html, https://aider.chat/docs/scripting.html"));
    add(new Adapter(
        "opencode",
        "opencode",
        PromptVia.FIRST_MESSAGE,
        "",
        "--prompt",
        List.of("run"),
        "",
        "--model",
        List.of(),
        "",
        "https://opencode.ai/docs/cli/"));
    add(
        new Adapter(
            "github-copilot-cli",
            "copilot",
            PromptVia.FIRST_MESSAGE,
            "",
            null,
            List.of("--allow-all-tools"),
            "-p",
            "--model",
            List.of("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"),
            "",
            "https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-programmatic-reference"));
    add(new Adapter(
        "custom",
        "",
        PromptVia.ENV_ONLY,
        "",
        "",
        List.of(),
        "",
        "",
        List.of(),
        "",
        "your own program: NEMOSPAWN_* environment and {prompt_file}/{task}/{model} placeholders"));
  }

  private Adapters() {}

  private static void add(Adapter a) {
    ALL.put(a.name(), a);
  }

  /**
   * Returns the registry name of an agent: NemoSpawn 1.0's {@code copilot} is {@code
   * github-copilot-cli}; other names are returned as given.
   */
  public static String canonical(String name) {
    return name.equals("copilot") ? "github-copilot-cli" : name;
  }

  /** Returns every adapter, in registry order. */
  public static List<Adapter> all() {
    return List.copyOf(ALL.values());
  }

  /**
   * Returns the adapter of this name.
   *
   * @throws IllegalArgumentException listing the known adapters
   */
  public static Adapter get(String name) {
    Adapter a = ALL.get(canonical(name));
    if (a == null) {
      throw new IllegalArgumentException(
          "Unknown agent '" + name + "'; known agents: " + String.join(", ", ALL.keySet()));
    }
    return a;
  }
}
