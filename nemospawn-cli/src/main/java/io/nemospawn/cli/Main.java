package io.nemospawn.cli;

import io.nemospawn.spi.Environment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
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
 * model of the one command named on the command line only (group and subcommand); help and
 * unknown commands get the full tree. The groups are those listed in {@link NemoSpawnCommand}'s annotation.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Library log lines (slf4j-simple writes them to System.err) are escaped like all other output.
    System.setErr(new LogStream(System.err, java.nio.charset.Charset.defaultCharset()));
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
    String group = args.length > 0 && !args[0].startsWith("-") ? args[0] : null;
    String leaf = args.length > 1 && !args[1].startsWith("-") ? args[1] : null;
    return build(group, leaf);
  }

  private static CommandLine build(@Nullable String group) {
    return build(group, null);
  }

  private static CommandLine build(@Nullable String group, @Nullable String leaf) {
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
        cl.addSubcommand(name, known ? group(c, leaf) : new CommandLine(c));
      }
    }
    helpEverywhere(cl);
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setParameterExceptionHandler(new ErrorHandler.Usage());
    cl.setExecutionStrategy(parsed -> {
      warnReplacementCharacters(parsed);
      return new CommandLine.RunLast().execute(parsed);
    });
    // Relative paths are resolved against the caller's working directory, which is not the
    // JVM's when the daemon runs the command.
    cl.registerConverter(Path.class, Main::path);
    return cl;
  }

  /**
   * Returns a path argument resolved against the caller's working directory ({@link
   * Environment#resolve}); an empty one stays empty, so the library refuses it instead of taking
   * the working directory. Positional paths that {@link TeamOption#split} sorts are Strings and
   * come through here too.
   */
  static Path path(String s) {
    return s.isEmpty() ? Path.of("") : Environment.resolve(Path.of(s));
  }

  /**
   * Gives every command of the tree {@code -h/--help} (and {@code -V/--version}), also those
   * whose annotation forgot {@code mixinStandardHelpOptions}: without a help option, picocli
   * answers {@code --help} with "Unknown option" or with the required options or parameters
   * the command misses.
   */
  static void helpEverywhere(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    if (!spec.mixinStandardHelpOptions() && spec.optionsMap().get("--help") == null) {
      spec.mixinStandardHelpOptions(true);
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      helpEverywhere(sub);
    }
  }

  /**
   * Warns on standard error about each argument holding U+FFFD: the JVM puts it in place of bytes
   * that are not valid UTF-8 (or not valid in the locale's charset), so the text stored would
   * differ from what was typed. A warning, not a refusal: U+FFFD may also be typed on purpose.
   */
  private static void warnReplacementCharacters(CommandLine.ParseResult parsed) {
    List<String> args = parsed.originalArgs();
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).indexOf('\uFFFD') >= 0) {
        var err = parsed.commandSpec().commandLine().getErr();
        err.println("Warning: argument " + (i + 1) + " '"
            + io.nemospawn.spi.StateFormat.printable(args.get(i)) + "' holds U+FFFD, which"
            + " stands for bytes that were not valid UTF-8; it is used as it is. Check the"
            + " terminal's encoding (LANG, LC_ALL) if that is not what you typed.");
        err.flush();
      }
    }
  }

  /**
   * Returns a group's command line with only the subcommand {@code leaf} when the group is a
   * plain container (subcommands, no options of its own) and names it; else the whole group.
   */
  private static CommandLine group(Class<?> c, @Nullable String leaf) {
    Command g = c.getAnnotation(Command.class);
    Class<?> only = null;
    for (Class<?> s : g.subcommands()) {
      if (leaf != null && leaf.equals(s.getAnnotation(Command.class).name())) {
        only = s;
      }
    }
    if (only == null || c.getDeclaredFields().length > 0 || Callable.class.isAssignableFrom(c)) {
      return new CommandLine(c);
    }
    CommandSpec spec = CommandSpec.create();
    spec.name(g.name());
    spec.mixinStandardHelpOptions(g.mixinStandardHelpOptions());
    spec.usageMessage().description(g.description());
    CommandLine cl = new CommandLine(spec);
    cl.addSubcommand(leaf, new CommandLine(only));
    return cl;
  }
}
