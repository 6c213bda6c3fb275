package io.nemospawn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Installs the NemoSpawn skill for agent CLIs that read skill files: Claude Code reads {@code
 * ~/.claude/skills/<name>/SKILL.md}, Codex (and other tools following the Agent Skills standard)
 * {@code ~/.agents/skills/<name>/SKILL.md}; both require YAML front matter with {@code name} and
 * {@code description}.
 */
final class Skills {
  /** The skill's name. */
  public static final String NAME = "nemospawn";

  /** A tool that reads skills. */
  public enum Target {
    CLAUDE(".claude/skills"),
    CODEX(".agents/skills");

    private final String dir;

    Target(String dir) {
      this.dir = dir;
    }

    /** Returns the skill file under {@code home}. */
    public Path file(Path home) {
      return home.resolve(dir).resolve(NAME).resolve("SKILL.md");
    }

    /** Returns the lower-case name used on the command line. */
    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses claude, codex or all. */
    public static List<Target> parse(String text) {
      return switch (text) {
        case "claude" -> List.of(CLAUDE);
        case "codex" -> List.of(CODEX);
        case "all" -> List.of(values());
        default ->
          throw new IllegalArgumentException(
              "Unknown skill target '" + text + "'; use claude, codex or all");
      };
    }
  }

  /** The state of one target. */
  public record Status(Target target, Path file, String state) {}

  /**
   * The command lines the skill teaches, in NemoSpawn 1.0's forms (the team first for task and
   * inbox, {@code --team}/{@code --agent} for plan and lifecycle), as the coordination prompt
   * writes them; each must parse against the real command tree.
   */
  static final List<String> COMMANDS = List.of(
      "nemospawn task list \"$NEMOSPAWN_TEAM\"",
      "nemospawn task claim \"$NEMOSPAWN_TEAM\" TASK_ID --agent \"$NEMOSPAWN_AGENT\"",
      "nemospawn task update \"$NEMOSPAWN_TEAM\" TASK_ID --status done --val-loss 0.123",
      "nemospawn inbox receive \"$NEMOSPAWN_TEAM\" \"$NEMOSPAWN_AGENT\" --wait --timeout 60",
      "nemospawn inbox send \"$NEMOSPAWN_TEAM\" RECIPIENT \"your message\" --from"
          + " \"$NEMOSPAWN_AGENT\"",
      "nemospawn plan submit --team \"$NEMOSPAWN_TEAM\" --agent \"$NEMOSPAWN_AGENT\" --title"
          + " \"title\" --steps \"first step,second step\"",
      "nemospawn lifecycle idle --team \"$NEMOSPAWN_TEAM\" --agent \"$NEMOSPAWN_AGENT\""
          + " --reason \"waiting for work\"",
      "nemospawn lifecycle shutdown-request --team \"$NEMOSPAWN_TEAM\" --agent"
          + " \"$NEMOSPAWN_AGENT\" --reason \"done\"");

  private Skills() {}

  /** Returns the skill text: front matter and the command reference. */
  public static String text() {
    List<String> l = new ArrayList<>();
    l.add("---");
    l.add("name: " + NAME);
    l.add("description: Coordinate with a NemoSpawn agent team from the shell: claim and update"
        + " tasks, report val_loss, read and send inbox messages, submit plans, report idle, and"
        + " request shutdown. Use when NEMOSPAWN_TEAM and NEMOSPAWN_AGENT are set.");
    l.add("---");
    l.add("");
    l.add("# NemoSpawn team coordination");
    l.add("");
    l.add("You are one agent of a NemoSpawn team. Your coordination prompt is the file named by"
        + " `$NEMOSPAWN_PROMPT`; read it first. `NEMOSPAWN_TEAM` and `NEMOSPAWN_AGENT` hold your"
        + " team and agent ids, so the commands below work as written; they are NemoSpawn 1.0's"
        + " forms, the team id first for task and inbox. Never wait without `--timeout`.");
    l.add("");
    l.add("```sh");
    l.addAll(COMMANDS);
    l.add("```");
    l.add("");
    return String.join("\n", l);
  }

  /** Writes the skill file for each target; returns the files written. */
  public static List<Path> install(Path home, List<Target> targets) {
    List<Path> out = new ArrayList<>();
    for (Target t : targets) {
      Path f = t.file(home);
      try {
        Files.createDirectories(f.getParent());
        Files.writeString(f, text(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write the " + t.key() + " skill " + f + ": " + e, e);
      }
      out.add(f);
    }
    return out;
  }

  /** Returns, per target, installed, outdated (differs from this version) or missing. */
  public static List<Status> status(Path home, List<Target> targets) {
    List<Status> out = new ArrayList<>();
    for (Target t : targets) {
      Path f = t.file(home);
      String state;
      try {
        state = !Files.exists(f)
            ? "missing"
            : Files.readString(f, StandardCharsets.UTF_8).equals(text()) ? "installed" : "outdated";
      } catch (IOException e) {
        state = "unreadable: " + e.getMessage();
      }
      out.add(new Status(t, f, state));
    }
    return out;
  }

  /** Removes the skill of each target; returns the files removed. */
  public static List<Path> uninstall(Path home, List<Target> targets) {
    List<Path> out = new ArrayList<>();
    for (Target t : targets) {
      Path f = t.file(home);
      try {
        if (Files.deleteIfExists(f)) {
          out.add(f);
        }
        Files.deleteIfExists(f.getParent());
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot remove " + f + ": " + e, e);
      }
    }
    return out;
  }
}
