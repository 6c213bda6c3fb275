package io.nemospawn.transport.internal;

import static java.util.Objects.requireNonNull;

import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The endpoint records of a team, {@code teams/<team>/endpoints/<agent>.json}: where a bound
 * receiver can be reached by the fast transports. An extra file that NemoSpawn 1.0 ignores.
 *
 * <pre>{@code
 * {
 *   "agent_id": "worker-0badc0de",
 *   "team_id": "sweep-1a2b3c4d",
 *   "host": "node-7",
 *   "pid": 4242,
 *   "transports": ["zmq", "shm", "file"],
 *   "zmq_endpoint": "tcp://10.0.0.7:40123",
 *   "zmq_formats": ["binary", "json"],
 *   "shm_path": "/dev/shm/nemospawn-sweep-1a2b3c4d-worker-0badc0de",
 *   "updated_at": "2026-11-21T19:01:51.212059+00:00"
 * }
 * }</pre>
 *
 * <p>Reads are cached: a record is trusted for 100 ms, then re-read if its modification time
 * changed. Thread-safe.
 */
public final class Endpoints {
  private static final Logger log = LoggerFactory.getLogger(Endpoints.class);
  private static final Object WRITE_LOCK = new Object();
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static volatile @Nullable String localHost;

  private final TransportContext context;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  /** One agent's endpoint record. */
  public record Endpoint(
      String agentId,
      String host,
      long pid,
      List<String> transports,
      String zmqEndpoint,
      List<String> zmqFormats,
      String shmPath) {
    /** The ZeroMQ envelope format its receiver reads besides JSON, which every receiver reads. */
    public static final String BINARY = "binary";

    /**
     * Returns whether its ZeroMQ receiver reads binary envelopes ({@code zmq_formats} holds
     * {@code binary}): ours do; a peer that does not say so gets JSON.
     */
    public boolean zmqReadsBinary() {
      return zmqFormats.contains(BINARY);
    }

    /** Returns whether the record offers {@code kind}. */
    public boolean offers(TransportKind kind) {
      return transports.contains(kind.configName());
    }

    /** Returns whether the receiver runs on this host. */
    public boolean isLocal() {
      return host.equals(localHost());
    }

    /** Returns whether the receiver runs on this host in a live process. */
    public boolean isLocalAndAlive() {
      return isLocal() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  private record Cached(FileTime modified, Optional<Endpoint> endpoint, long checkedNanos) {}

  /** How long a read record is trusted before its file is looked at again. */
  static final long TRUST_NANOS = 100_000_000L;

  public Endpoints(TransportContext context) {
    this.context = requireNonNull(context, "context");
  }

  /** Returns this host's name as recorded in endpoint records. */
  public static String localHost() {
    String h = localHost;
    if (h == null) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        h = "localhost";
      }
      localHost = h;
    }
    return h;
  }

  /** Returns {@code teams/<team>/endpoints/<agent>.json}. */
  public Path file(String agentId) {
    return context
        .teamDir()
        .resolve("endpoints")
        .resolve(StateFormat.requireId("agent id", agentId) + ".json");
  }

  /** Returns the agent's record, if any (an unreadable one counts as none, with a WARN). */
  public Optional<Endpoint> read(String agentId) {
    long now = System.nanoTime();
    Cached recent = cache.get(agentId);
    if (recent != null && now - recent.checkedNanos() < TRUST_NANOS) {
      return recent.endpoint(); // Only ids that passed file() below are cached.
    }
    Path f = file(agentId);
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(f);
    } catch (IOException e) {
      cache.remove(agentId);
      return Optional.empty();
    }
    Cached c = cache.get(agentId);
    if (c != null && c.modified().equals(modified)) {
      cache.put(agentId, new Cached(modified, c.endpoint(), now));
      return c.endpoint();
    }
    Optional<Endpoint> e = parse(f);
    cache.put(agentId, new Cached(modified, e, now));
    return e;
  }

  private static Optional<Endpoint> parse(Path f) {
    JsonNode n;
    try {
      n = MAPPER.readTree(Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      log.warn("Ignoring unreadable endpoint record {}: {}", f, e.toString());
      return Optional.empty();
    }
    if (n == null || !n.isObject()) {
      log.warn("Ignoring endpoint record {}: not a JSON object", f);
      return Optional.empty();
    }
    return Optional.of(new Endpoint(
        text(n, "agent_id"),
        text(n, "host"),
        n.path("pid").asLong(-1),
        texts(n, "transports"),
        text(n, "zmq_endpoint"),
        texts(n, "zmq_formats"),
        text(n, "shm_path")));
  }

  private static List<String> texts(JsonNode n, String key) {
    List<String> out = new ArrayList<>();
    JsonNode t = n.get(key);
    if (t != null && t.isArray()) {
      t.forEach(x -> out.add(x.asString()));
    }
    return List.copyOf(out);
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.get(key);
    return v == null || v.isNull() ? "" : v.asString();
  }

  /** Records that this process receives for {@code agentId} over {@code kind} at {@code address}. */
  public void publish(String agentId, TransportKind kind, String address) {
    update(agentId, kind, address);
  }

  /** Removes {@code kind} from the agent's record if this process wrote it; drops an empty record. */
  public void withdraw(String agentId, TransportKind kind) {
    update(agentId, kind, null);
  }

  private void update(String agentId, TransportKind kind, @Nullable String address) {
    Path f = file(agentId);
    long pid = ProcessHandle.current().pid();
    synchronized (WRITE_LOCK) {
      Optional<Endpoint> old = parse(f);
      String zmq = "";
      String shm = "";
      if (old.isPresent() && old.get().pid() == pid && old.get().host().equals(localHost())) {
        zmq = old.get().zmqEndpoint();
        shm = old.get().shmPath();
      } else if (address == null) {
        return; // another process's record (or none): not ours to withdraw
      }
      String value = address == null ? "" : address;
      if (kind == TransportKind.ZMQ) {
        zmq = value;
      } else if (kind == TransportKind.SHM) {
        shm = value;
      }
      if (zmq.isEmpty() && shm.isEmpty()) {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          log.warn("Cannot remove endpoint record {}: {}", f, e.toString());
        }
        return;
      }
      ObjectNode n = MAPPER.createObjectNode();
      n.put("agent_id", agentId);
      n.put("team_id", context.teamId());
      n.put("host", localHost());
      n.put("pid", pid);
      ArrayNode ts = n.putArray("transports");
      if (!zmq.isEmpty()) {
        ts.add("zmq");
      }
      if (!shm.isEmpty()) {
        ts.add("shm");
      }
      ts.add("file");
      if (!zmq.isEmpty()) {
        n.put("zmq_endpoint", zmq);
        n.putArray("zmq_formats").add(Endpoint.BINARY).add("json");
      }
      if (!shm.isEmpty()) {
        n.put("shm_path", shm);
      }
      n.put("updated_at", StateFormat.formatTimestamp(Instant.now()));
      byte[] bytes = (MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      AtomicFiles.write(f, bytes, Durability.NONE);
      log.debug("Endpoint of agent '{}' now offers zmq={} shm={}", agentId, zmq, shm);
    }
  }
}
