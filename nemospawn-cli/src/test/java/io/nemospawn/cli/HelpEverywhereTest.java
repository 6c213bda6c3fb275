package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code -h} and {@code --help} print the usage and exit 0 on every command of every group, also
 * those with required options or parameters, through the same lazily built command line that
 * {@code Main.main} uses.
 */
class HelpEverywhereTest {
  /** Every command path of the full tree: ["task"], ["task", "create"], … */
  static List<List<String>> paths(CommandLine cl, List<String> prefix, List<List<String>> all) {
    for (var e : cl.getSubcommands().entrySet()) {
      if (e.getValue().getCommandSpec().usageMessage().hidden()) {
        continue;
      }
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      all.add(path);
      paths(e.getValue(), path, all);
    }
    return all;
  }

  @Test
  void everyCommandAnswersHelpWithItsUsage() {
    List<List<String>> paths = paths(Main.commandLine(), List.of(), new ArrayList<>());
    assertThat(paths)
        .contains(
            List.of("artifact", "register"),
            List.of("inbox", "send"),
            List.of("plan", "submit"),
            List.of("lifecycle", "shutdown-approve"),
            List.of("team", "topology"),
            List.of("completion"));
    List<String> failures = new ArrayList<>();
    for (List<String> path : paths) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        String[] a = args.toArray(String[]::new);
        CommandLine cl = Main.commandLine(a);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(a);
        if (code != 0
            || !out.toString().startsWith("Usage: nemospawn " + String.join(" ", path))
            || !err.toString().isEmpty()) {
          failures.add(String.join(" ", args) + " -> exit " + code + ", err: " + err);
        }
      }
    }
    assertThat(failures).isEmpty();
  }
}
