package io.nemospawn.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in this JVM against a data directory and captures its output. */
final class Cli {
  final Path dataDir;

  Cli(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** One run's exit code and output. */
  record Result(int code, String out, String err) {}

  Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--data-dir");
    all.add(dataDir.toString());
    String[] a = all.toArray(String[]::new);
    var cl = Main.commandLine(a);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(a);
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
