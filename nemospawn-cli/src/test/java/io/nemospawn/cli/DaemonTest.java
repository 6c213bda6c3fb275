package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Model.ArgSpec;

/** What the daemon runs, and how it reads the caller's locale and terminal. */
class DaemonTest {
  @Test
  void runsTheStateCommandsAndDeclinesThoseThatStartProcessesOrReadStdin() {
    assertThat(Daemon.runsHere(new String[] {"task", "update", "t", "--status", "done"}))
        .isTrue();
    assertThat(Daemon.runsHere(new String[] {"--help"})).isTrue();
    assertThat(Daemon.runsHere(new String[] {})).isTrue();
    assertThat(Daemon.runsHere(new String[] {"-V"})).isTrue();
    for (String group : List.of(
        "spawn",
        "launch",
        "workspace",
        "watch",
        "profile",
        "skill",
        "gpu",
        "hpo",
        "daemon",
        "cds-training",
        "no-such-group")) {
      assertThat(Daemon.runsHere(new String[] {group, "x"})).as(group).isFalse();
    }
  }

  @Test
  void everyGroupItRunsExists() {
    CommandLine root = Main.commandLine();
    assertThat(root.getSubcommands().keySet()).containsAll(Daemon.GROUPS);
  }

  /**
   * The daemon's working directory is not the caller's: a path typed as a String would be
   * resolved against the wrong directory, so every path of the commands it runs is a {@link
   * Path}, which {@link Main} resolves against the caller's directory.
   */
  @Test
  void everyPathArgumentOfTheCommandsItRunsIsTypedPath() {
    CommandLine root = Main.commandLine();
    List<String> wrong = new ArrayList<>();
    for (String group : Daemon.GROUPS) {
      collect(root.getSubcommands().get(group), wrong);
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void picksTheCharsetAJvmWithTheCallersLocaleWouldPick() {
    assertThat(Daemon.Locales.of("C.UTF-8")).isEqualTo(StandardCharsets.UTF_8);
    assertThat(Daemon.Locales.of("en_US.utf8")).isEqualTo(StandardCharsets.UTF_8);
    assertThat(Daemon.Locales.of("de_DE.ISO-8859-15@euro").name()).isEqualTo("ISO-8859-15");
    assertThat(Daemon.Locales.of("C")).isEqualTo(StandardCharsets.US_ASCII);
    assertThat(Daemon.Locales.of("")).isEqualTo(StandardCharsets.US_ASCII);
    assertThat(Daemon.Locales.of("POSIX")).isEqualTo(StandardCharsets.US_ASCII);
    assertThat(Daemon.Locales.of("en_US")).isEqualTo(StandardCharsets.ISO_8859_1);
  }

  @Test
  void coloursFollowTheCallersTerminalAndVariables() {
    assertThat(Daemon.ansi(Map.of(), "110")).isEqualTo(Ansi.ON);
    assertThat(Daemon.ansi(Map.of(), "010")).isEqualTo(Ansi.OFF);
    assertThat(Daemon.ansi(Map.of(), "000")).isEqualTo(Ansi.OFF);
    assertThat(Daemon.ansi(Map.of("NO_COLOR", ""), "111")).isEqualTo(Ansi.OFF);
    assertThat(Daemon.ansi(Map.of("CLICOLOR", "0"), "111")).isEqualTo(Ansi.OFF);
    assertThat(Daemon.ansi(Map.of("CLICOLOR_FORCE", "1"), "000")).isEqualTo(Ansi.ON);
  }

  @Test
  void relativePathOptionsBecomeAbsoluteInTheCallersDirectory() {
    CommandLine cl = Main.commandLine("team", "list");
    var parsed = cl.parseArgs("team", "list", "--data-dir", "some/dir");
    Object value = parsed.subcommand().subcommand().matchedOption("--data-dir").getValue();
    assertThat(value).isEqualTo(Path.of("").toAbsolutePath().resolve("some/dir"));
  }

  private static void collect(CommandLine cl, List<String> wrong) {
    // Positionals of a command with 1.0's optional TEAM_ID are Strings that TeamOption.split
    // sorts; the command resolves a path among them with Main.path.
    boolean split = cl.getCommandSpec().positionalParameters().stream()
        .anyMatch(p -> p.paramLabel().equals("TEAM_ID"));
    for (ArgSpec a : cl.getCommandSpec().args()) {
      if (split && a.isPositional()) {
        continue;
      }
      String label = a.paramLabel().toUpperCase(java.util.Locale.ROOT);
      boolean pathLike = label.contains("PATH") || label.contains("DIR") || label.contains("FILE");
      boolean typedPath =
          a.type() == Path.class || List.of(a.auxiliaryTypes()).contains(Path.class);
      if (pathLike && !typedPath) {
        wrong.add(cl.getCommandSpec().qualifiedName() + " " + a.paramLabel() + " is " + a.type());
      }
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      collect(sub, wrong);
    }
  }
}
