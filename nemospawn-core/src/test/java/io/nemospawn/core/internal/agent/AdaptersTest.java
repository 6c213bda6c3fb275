package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.agent.Profile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdaptersTest {
  static final String TASK = "fix it; $(rm -rf ~) \"now\"\nplease";

  static Profile profile(String agent, String model, List<String> args) {
    return new Profile("p", agent, "", model, "", "", Map.of(), args, "", false);
  }

  @Test
  void claudeGetsTheSystemPromptFlagAndTheTaskAsOneArgument() {
    Adapter a = Adapters.get("claude");
    assertThat(a.invocation(profile("claude", "opus", List.of()), "PROMPT", "/p.md", TASK, true)
            .argv())
        .containsExactly("claude", "--append-system-prompt", "PROMPT", "--model", "opus", TASK);
    assertThat(a.invocation(profile("claude", "", List.of()), "PROMPT", "/p.md", TASK, false)
            .argv())
        .containsExactly("claude", "-p", "--append-system-prompt", "PROMPT", TASK);
  }

  @Test
  void codexAndOpencodePutTheirBatchSubcommandFirstAndThePromptInTheFirstMessage() {
    Adapter.Invocation c = Adapters.get("codex")
        .invocation(profile("codex", "gpt-5", List.of()), "PROMPT", "/p.md", TASK, false);
    assertThat(c.argv())
        .containsExactly(
            "codex", "exec", "--model", "gpt-5", "PROMPT\n\n---\n\nYour first task:\n" + TASK);
    assertThat(Adapters.get("opencode")
            .invocation(profile("opencode", "", List.of()), "PROMPT", "/p.md", "t", true)
            .argv())
        .containsExactly("opencode", "--prompt", "PROMPT\n\n---\n\nYour first task:\nt");
  }

  @Test
  void aiderReadsThePromptFileAndTakesTheTaskWithMessage() {
    Adapter a = Adapters.get("aider");
    assertThat(a.invocation(profile("aider", "sonnet", List.of()), "PROMPT", "/p.md", TASK, false)
            .argv())
        .containsExactly("aider", "--read", "/p.md", "--model", "sonnet", "--message", TASK);
    Adapter.Invocation i =
        a.invocation(profile("aider", "", List.of()), "PROMPT", "/p.md", TASK, true);
    assertThat(i.argv()).containsExactly("aider", "--read", "/p.md");
    assertThat(i.typedMessage()).isEqualTo(TASK);
  }

  @Test
  void customReplacesPlaceholdersPerArgumentWithoutAShell() {
    Profile p = new Profile(
        "mine",
        "custom",
        "/opt/agent",
        "m1",
        "",
        "",
        Map.of(),
        List.of("--instructions", "{prompt_file}", "--goal={task}", "{model}"),
        "",
        false);
    assertThat(
            Adapters.get("custom").invocation(p, "PROMPT", "/p.md", TASK, true).argv())
        .containsExactly("/opt/agent", "--instructions", "/p.md", "--goal=" + TASK, "m1");
  }

  @Test
  void unknownAgentsAreNamedWithTheKnownOnes() {
    assertThatThrownBy(() -> Adapters.get("gpt-cli"))
        .hasMessage("Unknown agent 'gpt-cli'; known agents: claude, codex, kimi, cursor, nanobot,"
            + " aider, opencode, github-copilot-cli, custom");
  }
}
