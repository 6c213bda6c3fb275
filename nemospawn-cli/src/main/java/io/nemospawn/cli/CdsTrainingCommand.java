package io.nemospawn.cli;

import io.nemospawn.core.FileTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code nemospawn cds-training} (hidden): runs the everyday commands once against a throwaway data
 * directory, printing nothing. The launcher runs it with {@code -XX:ArchiveClassesAtExit} to record
 * the class-data-sharing archive that makes every later call start faster.
 */
@Command(
    name = "cds-training",
    hidden = true,
    description = "Exercises the everyday commands for the launcher's class-data-sharing archive.")
final class CdsTrainingCommand implements Callable<Integer> {
  @Override
  public Integer call() throws IOException {
    Path dir = Files.createTempDirectory("nemospawn-cds-");
    try {
      String d = dir.toString();
      run("team", "create", "cds", "--gpus", "0,1", "--data-dir", d);
      run("team", "create", "cds2", "--json", "--data-dir", d);
      run("team", "list", "--data-dir", d);
      String team = only(dir.resolve("teams"), "cds-");
      run("agent", "register", "w1", "--team", team, "--data-dir", d);
      run("agent", "list", "--json", "--team", team, "--data-dir", d);
      run(
          "task",
          "create",
          "--title",
          "a",
          "--metadata",
          "lr=3e-4",
          "--team",
          team,
          "--data-dir",
          d);
      String a = only(dir.resolve("teams").resolve(team).resolve("tasks"), "task-");
      run(
          "task",
          "create",
          "--title",
          "b",
          "--blocked-by",
          a,
          "--json",
          "--team",
          team,
          "--data-dir",
          d);
      run(
          "task",
          "update",
          a,
          "--status",
          "running",
          "--owner",
          "w1",
          "--team",
          team,
          "--data-dir",
          d);
      run(
          "task",
          "update",
          a,
          "--status",
          "done",
          "--val-loss",
          "0.25",
          "--json",
          "--team",
          team,
          "--data-dir",
          d);
      run("task", "claim", "--agent", "w1", "--team", team, "--data-dir", d);
      run("task", "list", "--team", team, "--data-dir", d);
      run("task", "list", "--json", "--status", "running", "--team", team, "--data-dir", d);
      run("task", "show", a, "--team", team, "--data-dir", d);
      run("task", "wait", a, "--timeout", "1", "--team", team, "--data-dir", d);
      run("task", "update", "task-00000000", "--status", "done", "--team", team, "--data-dir", d);
      run("config", "show", "--data-dir", d);
      run("config", "get", "web_port", "--json", "--data-dir", d);
      run("version");
    } finally {
      FileTrees.deleteOrThrow(dir);
    }
    return ExitCodes.OK;
  }

  private static void run(String... args) {
    CommandLine cl = Main.commandLine(args);
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    cl.setOut(sink);
    cl.setErr(sink);
    cl.execute(args);
  }

  private static String only(Path dir, String prefix) throws IOException {
    List<String> names = new ArrayList<>();
    try (var s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix))
          .sorted()
          .forEach(names::add);
    }
    return names.get(0).replace(".json", "");
  }
}
