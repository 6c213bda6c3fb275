package io.nemospawn.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nemospawn skill install|status|uninstall}: the NemoSpawn skill for agent CLIs. */
@Command(
    name = "skill",
    mixinStandardHelpOptions = true,
    description = "Installs the NemoSpawn skill for Claude Code (~/.claude/skills) and Codex"
        + " (~/.agents/skills).",
    subcommands = {
      SkillCommand.InstallCmd.class,
      SkillCommand.StatusCmd.class,
      SkillCommand.UninstallCmd.class
    })
final class SkillCommand {

  static final class Where {
    @Option(
        names = {"-t", "--target"},
        paramLabel = "TARGET",
        description = "claude, codex or all (default: claude for install, as NemoSpawn 1.0; all"
            + " for status and uninstall).")
    @Nullable
    String target;

    @Option(names = "--home", paramLabel = "DIR", description = "Home directory (default: ~).")
    @Nullable
    Path home;

    Path home() {
      return home != null ? home : Path.of(System.getProperty("user.home"));
    }

    List<Skills.Target> targets(String dflt) {
      return Skills.Target.parse(target == null ? dflt : target);
    }
  }

  /** What the skill subcommands share: the output options, {@code --target} and {@code --home}. */
  abstract static class Base implements Callable<Integer> {
    @Mixin
    Output out;

    @Mixin
    Where where;

    /** Prints the files written or removed: their paths as JSON, else a line each. */
    int files(List<Path> files, String done, String none) {
      if (out.json()) {
        out.json(files.stream().map(Path::toString).toList());
      } else if (files.isEmpty() && !none.isEmpty()) {
        out.println(none);
      } else {
        files.forEach(f -> out.println(done + " " + f));
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "install", mixinStandardHelpOptions = true, description = "Writes the skill.")
  static final class InstallCmd extends Base {
    @Override
    public Integer call() {
      return files(Skills.install(where.home(), where.targets("claude")), "Installed", "");
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Says whether the skill is installed and current.")
  static final class StatusCmd extends Base {
    @Override
    public Integer call() {
      List<Skills.Status> all = Skills.status(where.home(), where.targets("all"));
      if (out.json()) {
        out.json(all.stream()
            .map(s -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("target", s.target().key());
              m.put("file", s.file().toString());
              m.put("state", s.state());
              return m;
            })
            .toList());
      } else {
        out.table(
            List.of("TARGET", "STATE", "FILE"),
            all.stream()
                .map(s -> List.of(s.target().key(), s.state(), s.file().toString()))
                .toList());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Removes the skill.")
  static final class UninstallCmd extends Base {
    @Override
    public Integer call() {
      return files(
          Skills.uninstall(where.home(), where.targets("all")), "Removed", "Nothing to remove");
    }
  }
}
