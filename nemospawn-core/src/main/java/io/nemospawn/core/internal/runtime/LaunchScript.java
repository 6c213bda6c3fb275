package io.nemospawn.core.internal.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The small fixed sh script every runtime wraps the agent in: it optionally waits on a tmux
 * channel (so the log pipe is attached before the agent writes anything), runs the agent with its
 * arguments as {@code "$@"} (never re-parsed), and writes the exit code to a file so that any
 * process can learn it later. User text only ever travels as positional parameters.
 */
public final class LaunchScript {
  /** The argv[0] the wrapper shows in process listings. */
  public static final String ARG0 = "nemospawn-agent";

  static final String SCRIPT = String.join(
      "\n",
      "exitfile=$1; shift",
      "if [ \"$1\" = --gate ]; then \"$2\" \"$3\" \"$4\" wait-for \"$5\"; shift 5; fi",
      "shift",
      "\"$@\"",
      "code=$?",
      "printf '%s\\n' \"$code\" > \"$exitfile\"",
      "exit \"$code\"",
      "");

  private LaunchScript() {}

  /**
   * Returns the argv that runs {@code command} under the wrapper.
   *
   * @param gate empty, or {@code [tmux, -S|-L, socket, channel]} to wait on before starting
   */
  public static List<String> wrap(Path exitFile, List<String> gate, List<String> command) {
    List<String> argv =
        new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, ARG0, exitFile.toString()));
    if (!gate.isEmpty()) {
      argv.add("--gate");
      argv.addAll(gate);
    }
    argv.add("--");
    argv.addAll(command);
    return argv;
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
