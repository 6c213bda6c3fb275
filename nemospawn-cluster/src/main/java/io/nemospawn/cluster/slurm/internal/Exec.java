package io.nemospawn.cluster.slurm.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs a program as an argv list (never a string a shell parses) with a deadline. */
public final class Exec {
  private Exec() {}

  /** A finished run. */
  public record Result(int code, String out, String err) {}

  /** Returns the executable {@code program} resolves to on {@code path}, if any. */
  public static Optional<Path> which(String program, String path) {
    if (program.contains("/")) {
      Path p = Path.of(program);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Runs {@code argv} with {@code env} on top of this process's environment and waits up to
   * {@code timeout}.
   *
   * @throws UncheckedIOException when it cannot start or does not end in time
   */
  public static Result run(List<String> argv, Map<String, String> env, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + argv.get(0) + ": " + e.getMessage(), e);
    }
    try {
      p.getOutputStream().close();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Thread pump = new Thread(() -> {
        try {
          p.getErrorStream().transferTo(err);
        } catch (IOException ignored) {
          // The process ended.
        }
      });
      pump.setDaemon(true);
      pump.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new UncheckedIOException(new IOException(
            argv.get(0) + " did not finish in " + timeout.toSeconds() + " s: " + argv));
      }
      pump.join(timeout.toMillis());
      return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      p.destroyForcibly();
      throw new UncheckedIOException("Cannot read the output of " + argv.get(0), e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("Interrupted while running " + argv, e));
    }
  }
}
