package io.nemospawn.core.internal.agent;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.spi.AgentRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A runtime written the way a new one (SSH, SLURM, a control plane) would be: against the SPI
 * alone, registered in the test class path's {@code META-INF/services}, knowing nothing of core.
 * It starts the agent as a plain child process and remembers every launch it was given.
 */
public final class InTestRuntime implements AgentRuntime {
  /** Every launch given to any instance, in order. */
  static final List<Launch> LAUNCHES = new CopyOnWriteArrayList<>();

  /** Required by ServiceLoader. */
  public InTestRuntime() {}

  @Override
  public String name() {
    return "in-test";
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public Launched start(Launch launch) {
    LAUNCHES.add(launch);
    try {
      Files.createDirectories(launch.logFile().getParent());
      ProcessBuilder pb = new ProcessBuilder(launch.command())
          .directory(launch.workDir().toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(launch.logFile().toFile()));
      pb.environment().putAll(launch.env());
      Process p = pb.start();
      Instant started = p.info().startInstant().orElse(Instant.EPOCH);
      return new Launched(name(), p.pid(), started, "", "", launch.logFile(), launch.exitFile());
    } catch (IOException e) {
      throw new AgentLaunchException(
          launch.agentName(), launch.command(), -1, "in-test runtime cannot start: " + e, e);
    }
  }

  @Override
  public Liveness probe(Launched launched) {
    return ProcessHandle.of(launched.pid()).filter(ProcessHandle::isAlive).isPresent()
        ? Liveness.running()
        : Liveness.exited(OptionalInt.empty());
  }

  @Override
  public void stop(Launched launched, Duration grace) {
    ProcessHandle.of(launched.pid()).ifPresent(h -> {
      h.destroy();
      try {
        h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    });
  }

  @Override
  public List<String> attachCommand(Launched launched) {
    return List.of("tail", "-f", launched.logFile().toString());
  }
}
