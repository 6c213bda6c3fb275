package io.nemospawn.core.internal.agent;

import io.nemospawn.agent.Profile;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one agent CLI is started and handed its coordination prompt and first task, as its own
 * documentation describes (sources in docs/agents.md).
 *
 * @param name the adapter's name
 * @param defaultCommand the program
 * @param promptVia how the coordination prompt reaches it
 * @param promptFlag the flag for {@link PromptVia#SYSTEM_FLAG} or {@link PromptVia#FILE_FLAG}
 * @param interactiveTaskFlag flag before the first message in interactive mode; empty: a
 *     positional argument; null: none documented, the message is typed into the pane
 * @param batchArgs arguments that select the non-interactive mode (before the message)
 * @param batchTaskFlag flag before the message in non-interactive mode; empty: positional
 * @param modelFlag the model flag, or empty when the model is set only in the CLI's config
 * @param authEnv the variables that can hold its key, first preferred; empty: its own login
 * @param baseUrlEnv the variable for a custom endpoint, or empty
 * @param docs where these flags are documented
 */
public record Adapter(
    String name,
    String defaultCommand,
    PromptVia promptVia,
    String promptFlag,
    @Nullable String interactiveTaskFlag,
    List<String> batchArgs,
    String batchTaskFlag,
    String modelFlag,
    List<String> authEnv,
    String baseUrlEnv,
    String docs) {

  /** How the coordination prompt is handed over. */
  public enum PromptVia {
    /** A flag that appends it to the system prompt, with the text as its value. */
    SYSTEM_FLAG,
    /** A flag that names a file to read. */
    FILE_FLAG,
    /** Prepended to the first message. */
    FIRST_MESSAGE,
    /** Only through {@code NEMOSPAWN_PROMPT} and the custom arguments' placeholders. */
    ENV_ONLY
  }

  /** Validates and copies. */
  public Adapter {
    Objects.requireNonNull(name, "name");
    batchArgs = List.copyOf(batchArgs);
    authEnv = List.copyOf(authEnv);
  }

  /** Describes in words how the prompt and first task reach the CLI. */
  public String describePromptVia() {
    return switch (promptVia) {
      case SYSTEM_FLAG -> "system prompt via " + promptFlag + "; task as the first message";
      case FILE_FLAG -> "prompt file via " + promptFlag + "; task as the first message";
      case FIRST_MESSAGE -> "prompt and task together as the first message";
      case ENV_ONLY -> "NEMOSPAWN_PROMPT and {prompt_file}/{task}/{model} in the arguments";
    };
  }

  /**
   * The argv and, when the CLI has no documented way to take a first message at start, the text
   * to type into its pane once it runs.
   *
   * @param argv the command line
   * @param typedMessage the message to type, or an empty string
   */
  public record Invocation(List<String> argv, String typedMessage) {
    /** Copies. */
    public Invocation {
      argv = List.copyOf(argv);
    }
  }

  /**
   * Builds the command line.
   *
   * @param interactive whether it runs in a terminal (tmux) rather than as a batch process
   */
  public Invocation invocation(
      Profile profile, String promptText, String promptFile, String task, boolean interactive) {
    List<String> argv = new ArrayList<>();
    argv.add(FileProfiles.program(profile));
    if (promptVia == PromptVia.ENV_ONLY) {
      for (String a : profile.args()) {
        argv.add(a.replace("{prompt_file}", promptFile)
            .replace("{task}", task)
            .replace("{model}", profile.model()));
      }
      return new Invocation(argv, "");
    }
    String first = task.isBlank()
        ? "Start now: follow your coordination instructions (check your inbox and the task list)."
        : task;
    if (!interactive) {
      // Subcommand-style modes (codex exec, opencode run) must directly follow the program.
      argv.addAll(batchArgs);
    }
    switch (promptVia) {
      case SYSTEM_FLAG -> argv.addAll(List.of(promptFlag, promptText));
      case FILE_FLAG -> argv.addAll(List.of(promptFlag, promptFile));
      case FIRST_MESSAGE -> first = promptText + "\n\n---\n\nYour first task:\n" + first;
      default -> throw new IllegalStateException(promptVia.name());
    }
    if (!profile.model().isEmpty() && !modelFlag.isEmpty()) {
      argv.addAll(List.of(modelFlag, profile.model()));
    }
    argv.addAll(profile.args());
    if (!interactive) {
      if (!batchTaskFlag.isEmpty()) {
        argv.add(batchTaskFlag);
      }
      argv.add(first);
      return new Invocation(argv, "");
    }
    if (interactiveTaskFlag == null) {
      return new Invocation(argv, first);
    }
    if (!interactiveTaskFlag.isEmpty()) {
      argv.add(interactiveTaskFlag);
    }
    argv.add(first);
    return new Invocation(argv, "");
  }
}
