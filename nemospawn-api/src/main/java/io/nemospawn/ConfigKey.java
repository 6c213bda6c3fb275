package io.nemospawn;

import java.util.Locale;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The settings NemoSpawn reads, with their environment variable and default. Resolution order:
 * environment ({@code NEMOSPAWN_<KEY>}), then {@code <data dir>/config.json}, then the default.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum ConfigKey {
  /** The data directory; read from the environment only (the file lives inside it). */
  DATA_DIR("~/.nemospawn", "Data directory holding teams, config and audit log."),
  /** Message transport: auto, file, zmq or shm. */
  TRANSPORT(
      "auto",
      "Message transport: auto (negotiate per pair), file, zmq (zeromq), shm (nixl) or tcp://…"),
  /**
   * Where ZeroMQ receivers listen: {@code 127.0.0.1} (this host only), another address or {@code
   * 0.0.0.0} (other hosts; envelopes must then be signed with the shared secret), or a {@code
   * tcp://host:port} endpoint.
   */
  ZMQ_BIND(
      "127.0.0.1",
      "Address ZeroMQ receivers listen on: 127.0.0.1 (this host only), or an interface address,"
          + " 0.0.0.0 or tcp://HOST:PORT to let other hosts send, which then requires the shared"
          + " secret ($NEMOSPAWN_ZMQ_SECRET or <data dir>/zmq.secret, mode 0600)."),
  /** Git worktree per agent: auto, always or never. */
  WORKSPACE("auto", "Git worktree per agent: auto (when in a repo), always or never."),
  /** Profile used when a spawn names none. */
  DEFAULT_PROFILE("", "Agent profile used when a spawn names none."),
  /** Runtime used when a spawn names none. */
  DEFAULT_RUNTIME("tmux", "Agent runtime used when a spawn names none: tmux, process or sandbox."),
  /** Cost of one GPU-hour in US dollars. */
  COST_RATE("2.5", "Cost of one GPU-hour in USD, for cost records."),
  /** Seconds between health-watch passes. */
  WATCH_INTERVAL("30", "Seconds between health-watch passes."),
  /** Port of the web board. */
  WEB_PORT("8080", "Port of the web kanban board."),
  /** Port of the Prometheus endpoint. */
  METRICS_PORT("9090", "Port of the Prometheus metrics endpoint."),
  /** User recorded in the audit log. */
  USER("", "User recorded in the audit log; empty means the login name ($USER)."),
  /**
   * Whether changes need a key with a role allowing them: off or on. Only ever turned on by the
   * environment ({@code NEMOSPAWN_AUTH=on}); a variable cannot turn a configured {@code on} off.
   */
  AUTH(
      "off", "Enforce users and roles: on (every change needs a key whose role allows it) or off."),
  /** Size at which {@code audit.jsonl} is rotated; the hash chain continues in the new file. */
  AUDIT_MAX_BYTES(
      "67108864", "Size in bytes at which audit.jsonl is rotated (the chain continues)."),
  /** fsync (default) or none: how hard state writes go to disk. */
  DURABILITY("fsync", "State write durability: fsync (survives power loss) or none (faster).");

  private final String defaultValue;
  private final String description;

  ConfigKey(String defaultValue, String description) {
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** Returns the key as written in config.json and on the command line: {@code web_port}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Returns the environment variable: {@code NEMOSPAWN_WEB_PORT}. */
  public String envVar() {
    return "NEMOSPAWN_" + name();
  }

  /** Returns the built-in default. */
  public String defaultValue() {
    return defaultValue;
  }

  /** Returns a one-line description. */
  public String description() {
    return description;
  }

  /** Finds a key by its config name ({@code web_port}) or enum name. */
  public static Optional<ConfigKey> find(String key) {
    for (ConfigKey k : values()) {
      if (k.key().equals(key) || k.name().equals(key)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
