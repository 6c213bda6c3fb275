package io.nemospawn.core.internal.runtime;

import io.nemospawn.spi.Environment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs a helper program (tmux, git, bwrap) with arguments as a list, never through a shell, and
 * collects its exit code and output with a time limit.
 */
public final class Exec {
  private Exec() {}

  /**
   * The outcome of a run.
   *
   * @param exitCode the exit code, or -1 when it timed out and was killed
   * @param out standard output
   * @param err standard error
   */
  public record Result(int exitCode, String out, String err) {
    /** Returns whether it exited with 0. */
    public boolean ok() {
      return exitCode == 0;
    }

    /** Returns standard error, else standard output, trimmed, for messages. */
    public String why() {
      String e = err.strip();
      return e.isEmpty() ? out.strip() : e;
    }
  }

  /** Runs {@code argv} in {@code dir} (null: current) with extra environment and a time limit. */
  public static Result run(
      List<String> argv, @Nullable Path dir, Map<String, String> env, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + argv.get(0) + ": " + e.getMessage(), e);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread to = drain(p.getInputStream(), out, argv.get(0) + "-out");
    Thread te = drain(p.getErrorStream(), err, argv.get(0) + "-err");
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return new Result(
            -1,
            out.toString(StandardCharsets.UTF_8),
            "timed out after " + timeout.toSeconds() + " s: "
                + err.toString(StandardCharsets.UTF_8));
      }
      to.join(5000);
      te.join(5000);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Result(-1, "", "interrupted");
    }
    return new Result(
        p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs {@code argv} with a 30 s limit. */
  public static Result run(List<String> argv, @Nullable Path dir) {
    return run(argv, dir, Map.of(), Duration.ofSeconds(30));
  }

  private static Thread drain(InputStream in, ByteArrayOutputStream sink, String name) {
    Thread t = new Thread(
        () -> {
          try (in) {
            in.transferTo(sink);
          } catch (IOException e) {
            // The process ended; what was read is kept.
          }
        },
        "nemospawn-exec-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Finds an executable: a path containing '/' as given, else the first match on PATH. */
  public static Optional<Path> which(String program) {
    if (program.contains("/")) {
      Path p = Path.of(program);
      return Files.isExecutable(p) && !Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
    }
    String path = Environment.get("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
