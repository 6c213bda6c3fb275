package io.nemospawn.cluster.ssh.internal;

import io.nemospawn.spi.AgentRuntime.Launched;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Starts, finds and stops link processes (see {@link Link}). */
public final class LinkProcesses {
  private static final String PREFIX = "ssh:";

  private LinkProcesses() {}

  /** Writes the spec, starts the link detached and waits until the agent runs remotely. */
  public static Launched start(LinkSpec spec, Duration timeout) throws IOException {
    Path dir = spec.dir();
    Files.createDirectories(dir);
    for (String f : List.of("ready", "failed", "status")) {
      Files.deleteIfExists(dir.resolve(f));
    }
    Path specFile = dir.resolve("spec.json");
    spec.write(specFile);
    List<String> cmd = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.addAll(Link.javaCommand(specFile));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("link.log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(dir.resolve("ready"))) {
        ProcessHandle h = p.toHandle();
        // With setsid the JVM is the same process (setsid execs when not a group leader).
        Instant started = h.info().startInstant().orElse(Instant.EPOCH);
        return new Launched(
            "ssh",
            h.pid(),
            started,
            spec.session(),
            PREFIX + specFile,
            spec.logFile(),
            spec.exitFile());
      }
      if (Files.exists(dir.resolve("failed")) || !p.isAlive()) {
        String why = Files.exists(dir.resolve("failed"))
            ? Files.readString(dir.resolve("failed"))
            : "the link process exited " + p.exitValue() + "; see " + dir.resolve("link.log");
        p.destroy();
        throw new IOException(why);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroy();
        throw new IOException("Interrupted while starting the remote agent", e);
      }
    }
    p.destroy();
    throw new IOException(
        "The remote agent did not start within " + timeout + "; see " + dir.resolve("link.log"));
  }

  /** Reads the spec of a launched ssh agent. */
  public static LinkSpec spec(Launched launched) {
    String s = launched.socket();
    if (!s.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "Not an ssh agent launch (socket '" + s + "'); expected " + PREFIX + "<spec file>");
    }
    Path f = Path.of(s.substring(PREFIX.length()));
    try {
      return LinkSpec.read(f);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read the link spec " + f + ": " + e, e);
    }
  }

  /** The link's status line, or empty. */
  public static String status(Launched launched) {
    String s = launched.socket();
    if (!s.startsWith(PREFIX)) {
      return "";
    }
    Path spec = Path.of(s.substring(PREFIX.length())).toAbsolutePath();
    return Link.statusOf(java.util.Objects.requireNonNull(spec.getParent(), "link dir"));
  }

  private static Optional<ProcessHandle> handle(Launched l) {
    return ProcessHandle.of(l.pid())
        .filter(ProcessHandle::isAlive)
        .filter(h -> l.startedAt().equals(Instant.EPOCH)
            || h.info().startInstant().map(l.startedAt()::equals).orElse(true))
        .filter(h -> !zombie(h.pid()));
  }

  private static boolean zombie(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("State:")) {
          return line.contains("Z");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /** Whether the link process still runs. */
  public static boolean alive(Launched l) {
    return handle(l).isPresent();
  }

  /** Stops the link process: TERM, then KILL after {@code grace}. */
  public static void stop(Launched l, Duration grace) {
    Optional<ProcessHandle> h = handle(l);
    if (h.isEmpty()) {
      return;
    }
    h.get().destroy();
    try {
      h.get().onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      h.get().destroyForcibly();
    }
  }

  /** The code in an exit file, if readable. */
  public static OptionalInt exitCode(Path exitFile) {
    try {
      return OptionalInt.of(
          Integer.parseInt(Files.readString(exitFile, StandardCharsets.UTF_8).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
