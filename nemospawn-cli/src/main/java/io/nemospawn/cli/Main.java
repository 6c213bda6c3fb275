package io.nemospawn.cli;

import picocli.CommandLine;

/**
 * Runs the {@code nemospawn} command. The only place that calls {@link System#exit}.
 *
 * <p>Exit codes: 0 success, 1 failure (the message says what failed and what to do), 2 usage
 * error.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line in this JVM and returns its exit code; used by tests. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** Returns the configured command line, so tests can set its output streams. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new NemoSpawnCommand());
    cl.setExecutionExceptionHandler(new ErrorHandler());
    return cl;
  }
}
