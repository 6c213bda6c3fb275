package io.nemospawn.transport.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/** A child process whose stdout lines are collected; stderr goes to a log file. */
final class ChildProcess implements AutoCloseable {
  /** How long {@link #awaitExit} waits for the last of stdout after the process exits. */
  private static final Duration DRAIN = Duration.ofSeconds(20);

  final Process process;
  final List<String> lines = new CopyOnWriteArrayList<>();
  private final Thread pump;

  private ChildProcess(Process process) {
    this.process = process;
    Thread t = new Thread(
        () -> {
          try (BufferedReader r = new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
              lines.add(line);
            }
          } catch (IOException e) {
            // The process ended.
          }
        },
        "child-stdout-" + process.pid());
    t.setDaemon(true);
    t.start();
    pump = t;
  }

  /** Starts {@link TransportPeerMain} with {@code args} in the current java. */
  static ChildProcess java(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add(TransportPeerMain.class.getName());
    cmd.addAll(List.of(args));
    return start(cmd, log);
  }

  static ChildProcess start(List<String> cmd, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return new ChildProcess(pb.start());
  }

  void awaitLine(String line, Duration timeout) {
    Awaitility.await().atMost(timeout).until(() -> lines.contains(line) || !process.isAlive());
    if (!lines.contains(line)) {
      throw new AssertionError("child exited with " + process.exitValue() + " before printing "
          + line + "; printed " + lines);
    }
  }

  void awaitLines(int count, Duration timeout) {
    Awaitility.await().atMost(timeout).until(() -> lines.size() >= count);
  }

  /** Waits for the exit, then for the pump to have read stdout to its end (the last lines). */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not exit within " + timeout + "; printed " + lines);
    }
    pump.join(DRAIN.toMillis());
    return process.exitValue();
  }

  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
