package io.nemospawn;

import static java.util.Objects.requireNonNull;

import io.nemospawn.spi.Environment;
import java.net.URI;
import java.util.Locale;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Which message transport a team uses: files only, ZeroMQ, same-node shared memory, or {@link
 * #auto()}, which negotiates per sender and receiver pair (same host and shared memory usable:
 * shared memory; receiver endpoint reachable: ZeroMQ; otherwise files).
 *
 * <p>Whatever is chosen, every message is also written to the recipient's inbox directory, the
 * durable record; the faster transports only deliver sooner. The choice is a value: it configures
 * a team, it does not open anything.
 *
 * <pre>{@code
 * Transport t = Transport.parse(System.getenv().getOrDefault("NEMOSPAWN_TRANSPORT", "auto"));
 * Transport z = Transport.zmq(URI.create("tcp://10.0.0.5:0"));  // other hosts: needs the secret
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public sealed interface Transport
    permits Transport.Auto, Transport.File, Transport.Zmq, Transport.SharedMemory {

  /** Environment variable that overrides the {@code transport} config key. */
  String ENV = "NEMOSPAWN_TRANSPORT";

  /** Returns the config name: {@code auto}, {@code file}, {@code zmq} or {@code shm}. */
  String configName();

  /** Returns the negotiating choice: shared memory, else ZeroMQ, else files, per pair. */
  static Transport auto() {
    return Auto.INSTANCE;
  }

  /** Returns the negotiating choice, with ZeroMQ receivers bound to {@code zmqBind}. */
  static Transport auto(URI zmqBind) {
    return new Auto(zmqBind);
  }

  /** Returns the choice of the inbox files alone. */
  static Transport file() {
    return File.INSTANCE;
  }

  /**
   * Returns ZeroMQ, with receivers bound to {@code bind} (for example {@code tcp://0.0.0.0:0};
   * port 0 draws a free port, and the actual endpoint is recorded in the state directory). A
   * bind address other than {@code 127.0.0.1}, {@code ::1} or {@code localhost} makes receivers
   * take only envelopes signed with the team's shared secret ({@code NEMOSPAWN_ZMQ_SECRET} or
   * {@code <data dir>/zmq.secret}, mode 0600).
   */
  static Transport zmq(URI bind) {
    return new Zmq(bind);
  }

  /**
   * Returns ZeroMQ with receivers bound to a free port on loopback ({@code 127.0.0.1}): only this
   * host can connect. Any other bind address is an explicit choice ({@link #zmq(URI)}, the {@code
   * zmq_bind} setting) and makes receivers take only envelopes signed with the team's shared
   * secret (see docs/security.md).
   */
  static Transport zmq() {
    return new Zmq(Zmq.DEFAULT_BIND);
  }

  /** Returns same-node shared memory (a ring buffer per receiver), with files across nodes. */
  static Transport sharedMemory() {
    return SharedMemory.INSTANCE;
  }

  /**
   * Parses a config value: {@code auto}, {@code file}, {@code zmq}, {@code shm} (any case, also
   * {@code files}, {@code zeromq}, {@code shared-memory}, {@code nixl}); a {@code tcp://} URI
   * means ZeroMQ bound there.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  static Transport parse(String text) {
    requireNonNull(text, "text");
    String t = text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "auto":
      case "":
        return auto();
      case "file":
      case "files":
        return file();
      case "zmq":
      case "zeromq":
        return zmq();
      case "shm":
      case "shared-memory":
      case "sharedmemory":
      case "nixl":
        return sharedMemory();
      default:
        if (t.startsWith("tcp://") || t.startsWith("ipc://")) {
          return zmq(URI.create(text.trim()));
        }
        throw new IllegalArgumentException("Unknown transport '" + text.trim()
            + "'; use auto, file, zmq, shm or a ZeroMQ endpoint such as tcp://0.0.0.0:0");
    }
  }

  /**
   * Returns the transport named by {@value #ENV} when set and not blank, else the parsed config
   * value, else {@link #auto()}.
   *
   * @param configValue the {@code transport} config key, or null when unset
   */
  static Transport resolve(@Nullable String configValue) {
    String env = Environment.get(ENV);
    if (env != null && !env.isBlank()) {
      return parse(env);
    }
    return configValue == null ? auto() : parse(configValue);
  }

  /**
   * Negotiates per pair.
   *
   * @param zmqBind where ZeroMQ receivers bind, as in {@link Zmq#bind()}
   */
  record Auto(URI zmqBind) implements Transport {
    static final Auto INSTANCE = new Auto(Zmq.DEFAULT_BIND);

    /** Validates the endpoint. */
    public Auto {
      new Zmq(zmqBind);
    }

    @Override
    public String configName() {
      return "auto";
    }
  }

  /** Inbox files only. */
  record File() implements Transport {
    static final File INSTANCE = new File();

    @Override
    public String configName() {
      return "file";
    }
  }

  /**
   * ZeroMQ (PUSH to the receiver's PULL socket), files as the durable record.
   *
   * @param bind where receivers bind, {@code tcp://host:port} (port 0: any free port)
   */
  record Zmq(URI bind) implements Transport {
    static final URI DEFAULT_BIND = URI.create("tcp://127.0.0.1:0");

    /** Validates the endpoint. */
    public Zmq {
      requireNonNull(bind, "bind");
      String scheme = bind.getScheme();
      if (!"tcp".equals(scheme) && !"ipc".equals(scheme) && !"inproc".equals(scheme)) {
        throw new IllegalArgumentException("Invalid ZeroMQ endpoint '" + bind
            + "': the scheme must be tcp, ipc or inproc, such as tcp://0.0.0.0:0");
      }
    }

    @Override
    public String configName() {
      return "zmq";
    }
  }

  /** A shared-memory ring per receiver on the same node, files as the durable record. */
  record SharedMemory() implements Transport {
    static final SharedMemory INSTANCE = new SharedMemory();

    @Override
    public String configName() {
      return "shm";
    }
  }
}
