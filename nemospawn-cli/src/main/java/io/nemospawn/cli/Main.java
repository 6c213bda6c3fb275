package io.nemospawn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Runs the {@code nemospawn} command. The only place that calls {@link System#exit}.
 *
 * <p>Exit codes: 0 success, 1 failure (the message says what failed and what to do), 2 usage
 * error.
 *
 * <p>Start-up matters (agents call the CLI for every update), so {@link #run} builds the picocli
 * model of the one command group named on the command line only; help and unknown commands get
 * the full tree. The groups are those listed in {@link NemoSpawnCommand}'s annotation.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line in this JVM and returns its exit code; used by tests. */
  public static int run(String... args) {
    return commandLine(args).execute(args);
  }

  /** Returns the configured command line with every group, so tests can set its output streams. */
  public static CommandLine commandLine() {
    return build(null);
  }

  /**
   * Returns a command line that knows only the group {@code args} name (all groups when they name
   * none or an unknown one).
   */
  public static CommandLine commandLine(String... args) {
    String group = null;
    for (String a : args) {
      if (!a.startsWith("-")) {
        group = a;
      }
      break;
    }
    return build(group);
  }

  private static CommandLine build(String group) {
    Command root = NemoSpawnCommand.class.getAnnotation(Command.class);
    boolean known = false;
    if (group != null) {
      for (Class<?> c : root.subcommands()) {
        if (group.equals(c.getAnnotation(Command.class).name())) {
          known = true;
        }
      }
    }
    CommandSpec spec = CommandSpec.wrapWithoutInspection(new NemoSpawnCommand());
    spec.name(root.name());
    spec.mixinStandardHelpOptions(root.mixinStandardHelpOptions());
    spec.versionProvider(new VersionCommand.Provider());
    spec.usageMessage().description(root.description());
    CommandLine cl = new CommandLine(spec);
    for (Class<?> c : root.subcommands()) {
      String name = c.getAnnotation(Command.class).name();
      if (!known || name.equals(group)) {
        cl.addSubcommand(name, new CommandLine(c));
      }
    }
    cl.setExecutionExceptionHandler(new ErrorHandler());
    return cl;
  }
}
