package io.nemospawn.cluster.ssh;

import io.nemospawn.gpu.NvidiaSmiOutput;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The registered clusters of a data directory: {@code <data dir>/clusters/<name>.json}, mode 0600,
 * one record each (format in docs/state-format.md), and {@code clusters/known_hosts}, the host
 * keys accepted on first contact. Thread-safe; records are written atomically.
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class Clusters {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

  /**
   * The directory on a remote host whose {@code bin} is put first on {@code PATH} for the
   * commands we run there, relative to the remote home: where a remote {@code nemospawn} (and a
   * stand-in tool in tests) is found when the login {@code PATH} lacks it.
   */
  public static final String REMOTE_DIR = ".nemospawn-remote";

  private final Path dataDir;
  private final Path dir;

  private Clusters(Path dataDir) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.dir = this.dataDir.resolve("clusters");
  }

  /** Returns the clusters of this data directory. */
  public static Clusters of(Path dataDir) {
    return new Clusters(dataDir);
  }

  /** Returns the SSH settings of this data directory (its known_hosts, then the user's). */
  public SshSettings settings() {
    return SshSettings.of(dataDir);
  }

  /**
   * Registers a cluster (replacing one of the same name). The key is referenced by its path,
   * never copied; it must exist.
   *
   * @throws IllegalArgumentException naming a bad value; nothing is written then
   */
  public Cluster register(
      String name, String host, int port, String user, @Nullable Path key, String mount) {
    Cluster.checkName(name);
    Path keyPath = key == null ? null : key.toAbsolutePath().normalize();
    if (keyPath != null && !Files.isRegularFile(keyPath)) {
      throw new IllegalArgumentException("The SSH key " + keyPath + " of cluster '" + name
          + "' is not a file; give the path of a private key");
    }
    Cluster c = new Cluster(name, host, port, user, keyPath, mount, Instant.now());
    ObjectNode n = JSON.createObjectNode();
    n.put("name", c.name());
    n.put("host", c.host());
    n.put("port", c.port());
    n.put("ssh_user", c.user());
    n.put("ssh_key", keyPath == null ? "" : keyPath.toString());
    n.put("mount_point", c.mount());
    n.put("gpu_count", 0);
    n.putObject("topology");
    n.put("status", "registered");
    n.put("created_at", c.createdAt().toString());
    AtomicFiles.writeOwnerOnly(file(name), JSON.writeValueAsBytes(n), Durability.FSYNC);
    return c;
  }

  private Path file(String name) {
    return dir.resolve(Cluster.checkName(name) + ".json");
  }

  /**
   * Returns the cluster of this name.
   *
   * @throws IllegalArgumentException naming it, and the registered ones, when there is none
   */
  public Cluster get(String name) {
    return find(name)
        .orElseThrow(() -> new IllegalArgumentException("No cluster '" + name + "'; registered: "
            + list().stream().map(Cluster::name).toList()));
  }

  /** Returns the cluster of this name, if registered. */
  public Optional<Cluster> find(String name) {
    Path f = file(name);
    try {
      return Optional.of(read(f));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read the cluster record " + f + ": " + e, e);
    }
  }

  private static Cluster read(Path f) throws IOException {
    JsonNode n;
    try {
      n = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
    } catch (JacksonException e) {
      throw new IOException("malformed JSON (" + e.getOriginalMessage() + "); fix or remove it");
    }
    String key = n.path("ssh_key").asString("");
    try {
      return new Cluster(
          n.path("name").asString(""),
          n.path("host").asString(""),
          n.path("port").asInt(22),
          n.path("ssh_user").asString("root"),
          key.isEmpty() ? null : Path.of(key),
          n.path("mount_point").asString(""),
          Instant.parse(n.path("created_at").asString("1970-01-01T00:00:00Z")));
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage() + "; fix or remove the file", e);
    }
  }

  /** Returns the registered clusters by name; a malformed record is skipped with a warning. */
  public List<Cluster> list() {
    List<Cluster> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : ds) {
        try {
          out.add(read(f));
        } catch (IOException e) {
          org.slf4j.LoggerFactory.getLogger(Clusters.class)
              .warn("Skipping the cluster record {}: {}", f, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot list " + dir + ": " + e, e);
    }
    out.sort(java.util.Comparator.comparing(Cluster::name));
    return out;
  }

  /** Removes the cluster's record (its known host key stays); returns whether there was one. */
  public boolean remove(String name) {
    try {
      return Files.deleteIfExists(file(name));
    } catch (IOException e) {
      throw new IllegalStateException("Cannot remove cluster '" + name + "': " + e, e);
    }
  }

  /** Opens a connection to the cluster with this data directory's settings. */
  public RemoteShell connect(Cluster cluster, boolean acceptNewHostKey) throws IOException {
    return RemoteShell.open(cluster, settings().withAcceptNewHostKey(acceptNewHostKey));
  }

  /**
   * Returns the remote argv that runs {@code command} with {@code ~/.nemospawn-remote/bin} first
   * on {@code PATH}: {@code sh -c 'PATH=...; exec "$0" "$@"' command...}, the command's words
   * passed as arguments, never as shell text.
   */
  public static List<String> withRemotePath(List<String> command) {
    List<String> argv = new ArrayList<>();
    argv.add("sh");
    argv.add("-c");
    argv.add("PATH=\"$HOME/" + REMOTE_DIR + "/bin:$PATH\"; export PATH; exec \"$0\" \"$@\"");
    argv.addAll(command);
    return argv;
  }

  /**
   * Connects to the cluster and reports what it has: reachability and latency, its GPUs (the
   * remote {@code nvidia-smi}), its load and its {@code nemospawn}. Never throws for an
   * unreachable host: the status says why.
   */
  public ClusterStatus status(Cluster c, boolean acceptNewHostKey) {
    try (RemoteShell sh = connect(c, acceptNewHostKey)) {
      long t0 = System.nanoTime();
      RemoteShell.Result ping = sh.exec(List.of("true"), COMMAND_TIMEOUT);
      long latency = (System.nanoTime() - t0) / 1_000_000;
      if (ping.exitCode() != 0) {
        return new ClusterStatus(
            c.name(),
            false,
            -1,
            List.of(),
            "",
            "",
            "",
            "'true' exited " + ping.exitCode() + " there: " + ping.err().strip());
      }
      List<String> smi = new ArrayList<>(List.of("nvidia-smi"));
      smi.addAll(NvidiaSmiOutput.queryArguments());
      RemoteShell.Result g = sh.exec(withRemotePath(smi), COMMAND_TIMEOUT);
      List<io.nemospawn.topology.Gpu> gpus = List.of();
      String gpuError = "";
      if (g.exitCode() == 0) {
        try {
          gpus = NvidiaSmiOutput.gpus(g.out());
        } catch (IllegalArgumentException e) {
          gpuError = String.valueOf(e.getMessage());
        }
      } else {
        gpuError = g.exitCode() == 127
            ? "no nvidia-smi on the remote PATH"
            : "nvidia-smi exited " + g.exitCode() + ": " + g.err().strip();
      }
      RemoteShell.Result l = sh.exec(List.of("cat", "/proc/loadavg"), COMMAND_TIMEOUT);
      String[] f = l.out().strip().split("\\s+");
      String load = l.exitCode() == 0 && f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "";
      RemoteShell.Result v =
          sh.exec(withRemotePath(List.of("nemospawn", "--version")), Duration.ofSeconds(60));
      String version = v.exitCode() == 0 ? v.out().strip() : "";
      return new ClusterStatus(c.name(), true, latency, gpus, gpuError, load, version, "");
    } catch (IOException e) {
      return new ClusterStatus(
          c.name(),
          false,
          -1,
          List.of(),
          "",
          "",
          "",
          e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }
}
