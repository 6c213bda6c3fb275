package io.nemospawn.core.internal.runtime;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.spi.AgentRuntime;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent as a plain child process: no shell parses its arguments, its environment is set
 * on the {@link ProcessBuilder}, standard output and error go to the log file, standard input is
 * {@code /dev/null}. The process outlives the spawning JVM (the CLI exits right after a spawn).
 */
public class ProcessRuntime implements AgentRuntime {
  private static final Logger log = LoggerFactory.getLogger(ProcessRuntime.class);

  /**
   * util-linux's {@code setsid}, when the machine has it (Debian and RHEL do), from the system's
   * directories only: never a program of that name found earlier on a user's PATH.
   */
  private static final Optional<String> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
      .filter(f -> Files.isExecutable(Path.of(f)))
      .findFirst();

  @Override
  public String name() {
    return "process";
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public Launched start(Launch launch) {
    return startWrapped(launch, launch.command());
  }

  /** Starts {@code command} (the agent's, or the agent's inside a sandbox) under the wrapper. */
  protected Launched startWrapped(Launch launch, List<String> command) {
    List<String> argv = new ArrayList<>();
    // Its own session and process group (setsid execs in place: the pid stays), so that a stop
    // reaches a child the agent forks as it exits (ProcessTree), and a terminal's Ctrl-C or
    // hang-up in the spawning shell never reaches the agent.
    SETSID.ifPresent(argv::add);
    argv.addAll(LaunchScript.wrap(launch.exitFile(), List.of(), command));
    ProcessBuilder pb = new ProcessBuilder(argv)
        .directory(launch.workDir().toFile())
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(launch.env());
    try {
      LaunchScript.prepare(launch.logFile(), launch.exitFile());
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(launch.logFile().toFile()));
      Process p = pb.start();
      log.info(
          "Started agent {} ({}) with the {} runtime as pid {}",
          launch.agentName(),
          launch.agentId(),
          name(),
          p.pid());
      return new Launched(
          name(),
          p.pid(),
          ProcessTree.startOf(p.toHandle()),
          "",
          "",
          launch.logFile(),
          launch.exitFile());
    } catch (IOException e) {
      throw new AgentLaunchException(
          launch.agentName(),
          launch.command(),
          -1,
          "Cannot spawn agent '" + launch.agentName() + "' with the " + name() + " runtime: "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public Liveness probe(Launched launched) {
    if (ProcessTree.find(launched.pid(), launched.startedAt()).isPresent()) {
      return Liveness.running();
    }
    return Liveness.exited(LaunchScript.readExit(launched.exitFile()));
  }

  @Override
  public void stop(Launched launched, Duration grace) {
    ProcessTree.find(launched.pid(), launched.startedAt())
        .ifPresent(p -> ProcessTree.terminate(p, grace));
  }

  @Override
  public List<String> attachCommand(Launched launched) {
    return List.of("tail", "-f", launched.logFile().toString());
  }
}
