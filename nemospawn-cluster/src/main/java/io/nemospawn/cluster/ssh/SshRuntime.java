package io.nemospawn.cluster.ssh;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.cluster.ssh.internal.LinkProcesses;
import io.nemospawn.cluster.ssh.internal.LinkSpec;
import io.nemospawn.spi.AgentRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ssh} agent runtime: starts the agent in tmux on another host. The host is named by
 * the launch's {@value #TARGET_ENV} variable (a registered cluster's name, or {@code
 * user@host[:port]}), which the runtime removes from the agent's environment.
 *
 * <p>After {@code start} returns, a detached local <em>link</em> process per agent (its pid is the
 * {@link Launched#pid() pid} of the launch) holds the SSH connection: it serves the control plane
 * on loopback, tunnels it to the remote host ({@code NEMOSPAWN_URL} there, with a key for the
 * agent), copies the remote log into the local log file and writes the local exit file when the
 * agent ends; a dropped connection is retried with backoff. {@link Launched#socket()} holds
 * {@code ssh:<link spec file>}. See docs/clusters.md.
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class SshRuntime implements AgentRuntime {
  /** The launch variable naming the host: a cluster's name or {@code user@host[:port]}. */
  public static final String TARGET_ENV = "NEMOSPAWN_CLUSTER";

  private static final Logger log = LoggerFactory.getLogger(SshRuntime.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration CMD = Duration.ofSeconds(20);

  /** Used by the service loader. */
  public SshRuntime() {}

  @Override
  public String name() {
    return "ssh";
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public Launched start(Launch launch) {
    Map<String, String> env = new LinkedHashMap<>(launch.env());
    String target = env.remove(TARGET_ENV);
    String dataDir = env.get("NEMOSPAWN_DATA_DIR");
    if (target == null || target.isBlank() || dataDir == null) {
      throw new AgentLaunchException(
          launch.agentName(),
          launch.command(),
          -1,
          "Cannot spawn agent '" + launch.agentName() + "' with the ssh runtime: no host; name a"
              + " registered cluster or user@host in " + TARGET_ENV,
          null);
    }
    LinkSpec spec = new LinkSpec(
        Path.of(dataDir),
        target,
        launch.teamId(),
        launch.agentId(),
        launch.command(),
        env,
        Path.of(env.getOrDefault("NEMOSPAWN_PROMPT", "")),
        launch.logFile().toAbsolutePath(),
        launch.exitFile().toAbsolutePath(),
        "nemo-" + launch.teamId() + "-" + launch.agentId());
    try {
      spec.cluster(); // an unknown cluster fails here, before anything starts
      return LinkProcesses.start(spec, START_TIMEOUT);
    } catch (IOException | RuntimeException e) {
      throw new AgentLaunchException(
          launch.agentName(),
          launch.command(),
          -1,
          "Cannot spawn agent '" + launch.agentName() + "' on " + target + ": " + e.getMessage(),
          e);
    }
  }

  @Override
  public Liveness probe(Launched launched) {
    if (Files.exists(launched.exitFile())) {
      return Liveness.exited(LinkProcesses.exitCode(launched.exitFile()));
    }
    if (LinkProcesses.alive(launched)) {
      return Liveness.running();
    }
    LinkSpec spec = LinkProcesses.spec(launched);
    Cluster c = spec.cluster();
    try (RemoteShell sh = RemoteShell.open(c, Clusters.of(spec.dataDir()).settings())) {
      RemoteShell.Result r = sh.exec(
          List.of("tmux", "-L", LinkSpec.TMUX_SOCKET, "has-session", "-t", spec.session()), CMD);
      if (r.exitCode() == 0) {
        return Liveness.running();
      }
      String exit = sh.home() + "/" + spec.remoteDir() + "/exit";
      if (sh.size(exit) >= 0) {
        String code = new String(sh.read(exit, 0, 64), java.nio.charset.StandardCharsets.UTF_8);
        Files.writeString(launched.exitFile(), code.strip() + "\n");
        return Liveness.exited(LinkProcesses.exitCode(launched.exitFile()));
      }
      return Liveness.exited(OptionalInt.empty());
    } catch (IOException e) {
      // Unreachable is not dead: report it and keep the agent as running.
      log.warn(
          "Agent {} on {} is unreachable: {}", launched.session(), c.address(), e.getMessage());
      return Liveness.running();
    }
  }

  /**
   * Returns whether the link of an agent reports its host unreachable ({@code unreachable since T:
   * why}); empty when connected, when the agent has ended, or when it is not an ssh agent.
   */
  @Override
  public Optional<String> unreachable(Launched launched) {
    if (Files.exists(launched.exitFile())) {
      return Optional.empty();
    }
    String s = LinkProcesses.status(launched);
    return s.startsWith("unreachable") ? Optional.of(s) : Optional.empty();
  }

  @Override
  public void stop(Launched launched, Duration grace) {
    LinkSpec spec = LinkProcesses.spec(launched);
    Cluster c = spec.cluster();
    try (RemoteShell sh = RemoteShell.open(c, Clusters.of(spec.dataDir()).settings())) {
      sh.exec(
          List.of("tmux", "-L", LinkSpec.TMUX_SOCKET, "kill-session", "-t", spec.session()), CMD);
    } catch (IOException e) {
      log.warn(
          "Cannot reach {} to stop agent session {}; it may still run there: {}",
          c.address(),
          spec.session(),
          e.getMessage());
    }
    LinkProcesses.stop(launched, grace);
  }

  @Override
  public List<String> attachCommand(Launched launched) {
    LinkSpec spec = LinkProcesses.spec(launched);
    Cluster c = spec.cluster();
    List<String> cmd = new ArrayList<>(List.of("ssh", "-t", "-p", Integer.toString(c.port())));
    Path key = c.keyPath();
    if (key != null) {
      cmd.add("-i");
      cmd.add(key.toString());
    }
    List<String> kh = Clusters.of(spec.dataDir()).settings().knownHosts().stream()
        .map(Path::toString)
        .toList();
    cmd.add("-o");
    cmd.add("UserKnownHostsFile=" + String.join(" ", kh));
    cmd.add("--");
    cmd.add(c.user() + "@" + c.host());
    cmd.add(RemoteShell.commandLine(
        List.of("tmux", "-L", LinkSpec.TMUX_SOCKET, "attach", "-t", spec.session())));
    return cmd;
  }

  @Override
  public String toString() {
    return "SshRuntime";
  }
}
