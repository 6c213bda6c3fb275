package io.nemospawn.gpu.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a GPU tool ({@code nvidia-smi}, {@code dcgmi}) with a timeout and returns its standard
 * output. Output goes to temp files, so a chatty tool never blocks on a full pipe and no reader
 * thread is needed; a tool that overruns is killed with its descendants. Stateless; thread-safe.
 */
final class ToolRunner {
  private static final Logger log = LoggerFactory.getLogger(ToolRunner.class);

  private ToolRunner() {}

  /**
   * Runs the command and returns its standard output.
   *
   * @param setting the setting that names the tool, for messages
   * @throws ToolException naming the command when it cannot start, overruns or fails
   */
  static String run(List<String> command, Duration timeout, String setting) {
    String shown = String.join(" ", command);
    @Nullable Path out = null;
    @Nullable Path err = null;
    Process p = null;
    try {
      out = Files.createTempFile("nemospawn-gpu-", ".out");
      err = Files.createTempFile("nemospawn-gpu-", ".err");
      long start = System.nanoTime();
      try {
        p = new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
      } catch (IOException e) {
        String reason = String.valueOf(e.getMessage());
        int error = reason.indexOf("error=");
        if (error >= 0 && reason.indexOf(", ", error) > 0) {
          reason = reason.substring(reason.indexOf(", ", error) + 2);
        }
        throw new ToolException(
            "cannot run '" + command.get(0) + "' (" + reason + "); install it or set " + setting,
            e);
      }
      if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        kill(p);
        throw new ToolException(
            "'" + shown + "' did not answer within " + timeout
                + " and was killed; the driver may be hung (check dmesg) or raise"
                + " nemospawn.gpu.timeout",
            null);
      }
      log.debug(
          "'{}' exited {} after {} ms",
          shown,
          p.exitValue(),
          (System.nanoTime() - start) / 1_000_000);
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
        String detail =
            (stderr.isEmpty() ? stdout.strip() : stderr).lines().findFirst().orElse("");
        throw new ToolException(
            "'" + shown + "' exited with " + p.exitValue()
                + (detail.isEmpty() ? "" : ": " + detail),
            null);
      }
      return stdout;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (p != null) {
        kill(p);
      }
      throw new ToolException("interrupted while waiting for '" + shown + "'", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot use temp files for '" + shown + "': " + e, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static void deleteQuietly(@Nullable Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // A temp file left behind is harmless.
      }
    }
  }

  /** A tool could not answer; the message says which and why. */
  static final class ToolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ToolException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
