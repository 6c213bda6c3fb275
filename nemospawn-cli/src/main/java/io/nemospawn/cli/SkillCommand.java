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

  @Command(name = "install", mixinStandardHelpOptions = true, description = "Writes the skill.")
  static final class InstallCmd implements Callable<Integer> {
    @Mixin
    Output out;

    @Mixin
    Where where;

    @Override
    public Integer call() {
      List<Path> files = Skills.install(where.home(), where.targets("claude"));
      if (out.json()) {
        out.json(files.stream().map(Path::toString).toList());
      } else {
        files.forEach(f -> out.println("Installed " + f));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Says whether the skill is installed and current.")
  static final class StatusCmd implements Callable<Integer> {
    @Mixin
    Output out;

    @Mixin
    Where where;

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
  static final class UninstallCmd implements Callable<Integer> {
    @Mixin
    Output out;

    @Mixin
    Where where;

    @Override
    public Integer call() {
      List<Path> files = Skills.uninstall(where.home(), where.targets("all"));
      if (out.json()) {
        out.json(files.stream().map(Path::toString).toList());
      } else {
        out.println(
            files.isEmpty()
                ? "Nothing to remove"
                : files.stream()
                    .map(f -> "Removed " + f)
                    .reduce((a, b) -> a + "\n" + b)
                    .orElse(""));
      }
      return ExitCodes.OK;
    }
  }
}
