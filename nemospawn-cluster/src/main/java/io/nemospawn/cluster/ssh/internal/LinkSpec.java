package io.nemospawn.cluster.ssh.internal;

import io.nemospawn.cluster.ssh.Cluster;
import io.nemospawn.cluster.ssh.Clusters;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the link process of one remote agent needs, in {@code <logs>/<agent>.link/spec.json}
 * (mode 0600: it holds the agent's environment): the data directory, the cluster (a registered
 * name or {@code user@host[:port]}), the agent, its command and environment, the local log and
 * exit files and the remote tmux session.
 */
public record LinkSpec(
    Path dataDir,
    String target,
    String teamId,
    String agentId,
    List<String> command,
    Map<String, String> env,
    Path prompt,
    Path logFile,
    Path exitFile,
    String session) {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The tmux server on remote hosts: a named socket of its own, not the user's default. */
  public static final String TMUX_SOCKET = "nemospawn-remote";

  /** The directory that holds the spec and the link's status files. */
  public static Path dirOf(Path logFile, String agentId) {
    return java.util.Objects.requireNonNull(logFile.toAbsolutePath().getParent(), "log dir")
        .resolve(agentId + ".link");
  }

  public Path dir() {
    return dirOf(logFile, agentId);
  }

  /** Resolves the target to a cluster: a registered name, else {@code user@host[:port]}. */
  public Cluster cluster() {
    return resolve(dataDir, target);
  }

  /** Resolves a target: a registered cluster's name, else {@code user@host[:port]}. */
  public static Cluster resolve(Path dataDir, String target) {
    if (!target.contains("@")) {
      return Clusters.of(dataDir).get(target);
    }
    return Clusters.of(dataDir).list().stream()
        .filter(c -> (c.user() + "@" + c.host()).equals(target) || c.address().equals(target))
        .findFirst()
        .orElseGet(() -> Cluster.ofRemote(target));
  }

  /** The remote directory of this agent, relative to the remote home. */
  public String remoteDir() {
    return Clusters.REMOTE_DIR + "/agents/" + teamId + "/" + agentId;
  }

  void write(Path file) {
    ObjectNode n = JSON.createObjectNode();
    n.put("data_dir", dataDir.toString());
    n.put("target", target);
    n.put("team", teamId);
    n.put("agent", agentId);
    var c = n.putArray("command");
    command.forEach(c::add);
    ObjectNode e = n.putObject("env");
    env.forEach(e::put);
    n.put("prompt", prompt.toString());
    n.put("log", logFile.toString());
    n.put("exit", exitFile.toString());
    n.put("session", session);
    AtomicFiles.writeOwnerOnly(file, JSON.writeValueAsBytes(n), Durability.FSYNC);
  }

  static LinkSpec read(Path file) throws IOException {
    JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    List<String> cmd = new ArrayList<>();
    n.path("command").forEach(x -> cmd.add(x.asString()));
    Map<String, String> env = new LinkedHashMap<>();
    n.path("env").properties().forEach(x -> env.put(x.getKey(), x.getValue().asString()));
    return new LinkSpec(
        Path.of(n.path("data_dir").asString()),
        n.path("target").asString(),
        n.path("team").asString(),
        n.path("agent").asString(),
        cmd,
        env,
        Path.of(n.path("prompt").asString()),
        Path.of(n.path("log").asString()),
        Path.of(n.path("exit").asString()),
        n.path("session").asString());
  }
}
