package io.nemospawn.core.internal.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The small fixed sh script every runtime wraps the agent in: it optionally waits on a tmux
 * channel (so the log pipe is attached before the agent writes anything), runs the agent with its
 * arguments as {@code "$@"} (never re-parsed), and writes the exit code to a file so that any
 * process can learn it later. It can first source (then delete) a 0600 environment file, so that
 * values such as API keys never appear on a command line. User text only ever travels as positional parameters.
 */
public final class LaunchScript {
  /** The argv[0] the wrapper shows in process listings. */
  public static final String ARG0 = "nemospawn-agent";

  /** The wrapper's one variable that is set before the agent starts. */
  static final String EXIT_FILE_VARIABLE = "nemospawn_exitfile";

  static final String SCRIPT = String.join(
      "\n",
      "nemospawn_exitfile=$1; shift",
      "if [ \"$1\" = --env ]; then . \"$2\" || exit 126; rm -f \"$2\"; shift 2; fi",
      "if [ \"$1\" = --gate ]; then \"$2\" \"$3\" \"$4\" wait-for \"$5\"; shift 5; fi",
      "shift",
      "\"$@\"",
      "code=$?",
      "printf '%s\\n' \"$code\" > \"$nemospawn_exitfile\"",
      "exit \"$code\"",
      "");

  private LaunchScript() {}

  /**
   * Returns the argv that runs {@code command} under the wrapper.
   *
   * @param gate empty, or {@code [tmux, -S|-L, socket, channel]} to wait on before starting
   */
  public static List<String> wrap(Path exitFile, List<String> gate, List<String> command) {
    return wrap(exitFile, null, gate, command);
  }

  /**
   * Returns the argv that runs {@code command} under the wrapper, which first sources {@code
   * envFile} (see {@link #writeEnvFile}) and deletes it, so that the values reach the agent's
   * environment without ever appearing on a command line.
   *
   * @param envFile null for none
   * @param gate empty, or {@code [tmux, -S|-L, socket, channel]} to wait on before starting
   */
  public static List<String> wrap(
      Path exitFile, @Nullable Path envFile, List<String> gate, List<String> command) {
    List<String> argv =
        new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, ARG0, exitFile.toString()));
    if (envFile != null) {
      argv.add("--env");
      argv.add(envFile.toAbsolutePath().toString());
    }
    if (!gate.isEmpty()) {
      argv.add("--gate");
      argv.addAll(gate);
    }
    argv.add("--");
    argv.addAll(command);
    return argv;
  }

  /** Returns the environment file of an agent: next to its exit file, {@code <agent>.env}. */
  static Path envFileOf(Path exitFile) {
    String name = exitFile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return exitFile.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".env");
  }

  /**
   * Writes {@code env} as {@code export NAME='value'} lines to {@code file}, created with mode 0600
   * whatever the umask (a stale file is replaced), for the wrapper to source and delete. Values
   * never appear in a message.
   *
   * @throws IllegalArgumentException naming the variable when a name is not a shell variable name
   *     or a value holds a NUL character
   */
  static void writeEnvFile(Path file, Map<String, String> env) throws IOException {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().equals(EXIT_FILE_VARIABLE)) {
        throw new IllegalArgumentException("Environment variable name '" + EXIT_FILE_VARIABLE
            + "' is reserved for the launch wrapper; rename it");
      }
      if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("Invalid environment variable name '"
            + e.getKey().replaceAll("[^\\x20-\\x7e]", "?")
            + "': use ASCII letters, digits and '_', not starting with a digit");
      }
      if (e.getValue().indexOf('\0') >= 0) {
        throw new IllegalArgumentException("The value of environment variable " + e.getKey()
            + " contains a NUL character, which no environment can hold; remove it");
      }
      text.append("export ")
          .append(e.getKey())
          .append('=')
          .append(ShellQuote.quote(e.getValue()))
          .append('\n');
    }
    Files.deleteIfExists(file);
    Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
    Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
    Files.setPosixFilePermissions(file, ownerOnly);
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  /** Reads the exit code the wrapper wrote, if it did. */
  public static OptionalInt readExit(Path exitFile) {
    try {
      String s = Files.readString(exitFile, StandardCharsets.UTF_8).trim();
      return s.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(s));
    } catch (NoSuchFileException e) {
      return OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /** Prepares the log and exit files: parent directory made, stale exit file removed. */
  static void prepare(Path logFile, Path exitFile) throws IOException {
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    Files.createDirectories(exitFile.toAbsolutePath().getParent());
    Files.deleteIfExists(exitFile);
    if (!Files.exists(logFile)) {
      Files.createFile(logFile);
    }
  }
}
