package io.nemospawn.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** Runs the CLI in this JVM against a data directory and captures its output. */
final class Cli {
  final Path dataDir;

  Cli(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** One run's exit code and output. */
  record Result(int code, String out, String err) {
    /** Reads what it printed as JSON. */
    JsonNode json() {
      return CliRun.JSON.readTree(out);
    }
  }

  Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--data-dir");
    all.add(dataDir.toString());
    String[] a = all.toArray(String[]::new);
    return execute(Main.commandLine(a), a);
  }

  /** Runs {@code args} as given on the whole command tree. */
  static Result execute(String... args) {
    return execute(Main.commandLine(), args);
  }

  /** Runs {@code args} on the whole command tree with {@code --data-dir DIR} before any "--". */
  static Result execute(Path dataDir, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    int split = all.indexOf("--");
    all.add(split < 0 ? all.size() : split, "--data-dir");
    all.add(split < 0 ? all.size() : split + 1, dataDir.toString());
    return execute(all.toArray(String[]::new));
  }

  private static Result execute(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /** Runs and returns the last word of the first line, such as the id in "Created task X [..]". */
  String id(String... args) {
    Result r = run(args);
    if (r.code() != 0) {
      throw new AssertionError("exit " + r.code() + ": " + r.err());
    }
    String first = r.out().lines().findFirst().orElseThrow();
    return first.split(" ")[2];
  }
}
