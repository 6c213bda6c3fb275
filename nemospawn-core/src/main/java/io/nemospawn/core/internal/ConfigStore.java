package io.nemospawn.core.internal;

import io.nemospawn.Config;
import io.nemospawn.ConfigKey;
import io.nemospawn.InvalidSettingException;
import io.nemospawn.Transport;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The three tiers of configuration: {@code NEMOSPAWN_<KEY>} environment variables, then {@code
 * config.json} (a flat map of strings, only the keys that were set), then defaults. Values are
 * validated on {@link #set}. Thread-safe: writes hold the config lock; reads see whole files.
 */
public final class ConfigStore implements Config {
  private final Layout layout;
  private final RecordStore store;
  private final Function<String, String> env;

  public ConfigStore(Layout layout, RecordStore store, Function<String, String> env) {
    this.layout = layout;
    this.store = store;
    this.env = env;
  }

  @Override
  public Value get(ConfigKey key) {
    String e = env.apply(key.envVar());
    if (e != null && !e.isEmpty()) {
      return new Value(key, e, Source.ENV);
    }
    if (key != ConfigKey.DATA_DIR) {
      JsonNode v = file().get(key.key());
      if (v != null && !v.isNull()) {
        return new Value(key, v.isString() ? v.asString() : v.toString(), Source.FILE);
      }
    } else {
      return new Value(key, layout.dataDir().toString(), Source.DEFAULT);
    }
    return new Value(key, key.defaultValue(), Source.DEFAULT);
  }

  /** Returns the effective value as text. */
  public String value(ConfigKey key) {
    return get(key).value();
  }

  /** Returns the effective value as an int, explaining a bad value. */
  public int intValue(ConfigKey key) {
    Value v = get(key);
    try {
      return Integer.parseInt(v.value().trim());
    } catch (NumberFormatException e) {
      throw new InvalidSettingException(
          List.of(key.key()),
          "Setting " + key.key() + " = '" + StateFormat.printable(v.value()) + "' (from "
              + v.source() + ") is not an integer; set " + key.key() + " to a whole number");
    }
  }

  /** Returns the effective value as a double, explaining a bad value. */
  public double doubleValue(ConfigKey key) {
    Value v = get(key);
    double d;
    try {
      d = Double.parseDouble(v.value().trim());
    } catch (NumberFormatException e) {
      d = Double.NaN;
    }
    if (!Double.isFinite(d)) {
      throw new InvalidSettingException(
          List.of(key.key()),
          "Setting " + key.key() + " = '" + StateFormat.printable(v.value()) + "' (from "
              + v.source() + ") is not a finite number; set " + key.key() + " to a number");
    }
    return d;
  }

  @Override
  public List<Value> all() {
    List<Value> out = new ArrayList<>();
    for (ConfigKey k : ConfigKey.values()) {
      out.add(get(k));
    }
    return out;
  }

  @Override
  public void set(ConfigKey key, String value) {
    java.util.Objects.requireNonNull(value, "value");
    if (key == ConfigKey.DATA_DIR) {
      throw new InvalidSettingException(
          List.of(key.key()),
          "data_dir cannot be stored in config.json, which lives inside it; set " + key.envVar()
              + " instead");
    }
    validate(key, value);
    store.checkChange(layout.configFile(), "change settings");
    update(n -> n.put(key.key(), value));
  }

  @Override
  public void unset(ConfigKey key) {
    store.checkChange(layout.configFile(), "change settings");
    update(n -> n.remove(key.key()));
  }

  private void update(java.util.function.Consumer<ObjectNode> change) {
    try (StateLock lock = StateLock.acquire(layout.dataLock("config"))) {
      ObjectNode n = file().deepCopy();
      change.accept(n);
      store.write(layout.configFile(), n);
    }
  }

  private ObjectNode file() {
    return store.readIfExists(layout.configFile()).orElseGet(Json::object);
  }

  /**
   * Returns the ZeroMQ bind endpoint a {@code zmq_bind} value names: an endpoint as given, or an
   * address with port 0 (any free port).
   *
   * @throws IllegalArgumentException when it is neither
   */
  public static java.net.URI zmqBind(String value) {
    String v = value.trim();
    if (v.isEmpty() || v.chars().anyMatch(c -> c <= ' ' || c == '/' && !v.contains("://"))) {
      throw new IllegalArgumentException("Invalid ZeroMQ bind address '" + v + "'");
    }
    java.net.URI uri;
    if (v.contains("://")) {
      uri = java.net.URI.create(v);
    } else {
      String host = v.contains(":") && !v.startsWith("[") ? "[" + v + "]" : v;
      uri = java.net.URI.create("tcp://" + host + ":0");
    }
    if (uri.getScheme() == null || uri.getScheme().equals("tcp") && uri.getHost() == null) {
      throw new IllegalArgumentException("Invalid ZeroMQ bind address '" + v + "'");
    }
    Transport.zmq(uri);
    return uri;
  }

  /** Checks a value for a key; throws saying what is allowed. */
  static void validate(ConfigKey key, String value) {
    String v = value.trim();
    switch (key) {
      case TRANSPORT:
        // The words Transport.parse reads, NemoSpawn 1.0's zeromq and nixl included; the value
        // is stored as typed.
        try {
          io.nemospawn.Transport.parse(v);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("Invalid " + key.key() + " '"
              + StateFormat.printable(v) + "'; use one of auto, file, zmq (or zeromq), shm (or"
              + " nixl, shared-memory), or a ZeroMQ endpoint such as tcp://0.0.0.0:5555");
        }
        break;
      case WORKSPACE:
        oneOf(key, v, List.of("auto", "always", "never"));
        break;
      case ZMQ_BIND:
        try {
          zmqBind(v);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("Invalid " + key.key() + " '" + value + "': use an"
              + " address such as 127.0.0.1 (this host only) or 0.0.0.0, or an endpoint such as"
              + " tcp://10.0.0.5:5555");
        }
        break;
      case DEFAULT_RUNTIME:
        oneOf(key, v, List.of("tmux", "process", "sandbox", "ssh", "slurm"));
        break;
      case DURABILITY:
        Durability.parse(v);
        break;
      case WEB_PORT:
      case METRICS_PORT:
        int port = integer(key, v);
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("Invalid " + key.key() + " '"
              + StateFormat.printable(value) + "': a port is 1-65535");
        }
        break;
      case WATCH_INTERVAL:
        if (integer(key, v) < 1) {
          throw new IllegalArgumentException("Invalid " + key.key() + " '"
              + StateFormat.printable(value) + "': seconds must be >= 1");
        }
        break;
      case COST_RATE:
        if (!v.matches("\\d{1,9}(\\.\\d{0,9})?|\\.\\d{1,9}")) {
          throw new IllegalArgumentException("Invalid " + key.key() + " '"
              + StateFormat.printable(value)
              + "': use a non-negative decimal number of USD per GPU-hour, such as 2.5");
        }
        break;
      case AUTH:
        oneOf(key, v, List.of("on", "off"));
        break;
      case AUDIT_MAX_BYTES:
        long n;
        try {
          n = Long.parseLong(v);
        } catch (NumberFormatException e) {
          n = -1;
        }
        if (n < 4096) {
          throw new IllegalArgumentException("Invalid " + key.key() + " '"
              + StateFormat.printable(value) + "': use a whole number of bytes >= 4096");
        }
        break;
      case DEFAULT_PROFILE:
        if (!v.isEmpty()) {
          StateFormat.requireName("profile name", v);
        }
        break;
      default:
        break;
    }
  }

  private static void oneOf(ConfigKey key, String v, List<String> allowed) {
    if (!allowed.contains(v)) {
      throw new IllegalArgumentException("Invalid " + key.key() + " '" + StateFormat.printable(v)
          + "'; use one of " + String.join(", ", allowed));
    }
  }

  private static int integer(ConfigKey key, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Invalid " + key.key() + " '" + StateFormat.printable(v) + "': not an integer");
    }
  }

  @Override
  public List<HealthCheck> health() {
    List<HealthCheck> out = new ArrayList<>();
    Path dir = layout.dataDir();
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".health-", ".tmp");
      Files.delete(probe);
      out.add(new HealthCheck("data dir writable", true, dir.toString()));
    } catch (IOException | RuntimeException e) {
      out.add(new HealthCheck(
          "data dir writable",
          false,
          dir + ": " + e + "; choose another data directory (" + ConfigKey.DATA_DIR.envVar()
              + ")"));
    }
    try {
      store.readIfExists(layout.configFile());
      boolean ok = true;
      StringBuilder detail = new StringBuilder(layout.configFile().toString());
      for (Map.Entry<String, JsonNode> e : file().properties()) {
        Optional<ConfigKey> k = ConfigKey.find(e.getKey());
        if (k.isEmpty()) {
          detail.append("; unknown key '").append(e.getKey()).append("' (ignored)");
          continue;
        }
        try {
          validate(k.get(), e.getValue().asString());
        } catch (IllegalArgumentException ex) {
          ok = false;
          detail.append("; ").append(ex.getMessage());
        }
      }
      out.add(new HealthCheck("config valid", ok, detail.toString()));
    } catch (RuntimeException e) {
      out.add(new HealthCheck("config valid", false, e.getMessage() + "; fix or delete the file"));
    }
    for (ConfigKey k : ConfigKey.values()) {
      String e = env.apply(k.envVar());
      if (e != null && !e.isEmpty() && k != ConfigKey.DATA_DIR) {
        try {
          validate(k, e);
        } catch (IllegalArgumentException ex) {
          out.add(new HealthCheck(
              "environment " + k.envVar(),
              false,
              Objects.toString(ex.getMessage(), ex.toString())));
        }
      }
    }
    out.add(tool(
        "tmux",
        List.of("tmux", "-V"),
        "install tmux (apt-get install tmux) for the default agent runtime"));
    out.add(tool("git", List.of("git", "--version"), "install git for per-agent worktrees"));
    return out;
  }

  private static HealthCheck tool(String name, List<String> command, String fix) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String outText = new String(
              p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .trim();
      boolean done = p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      if (done && p.exitValue() == 0) {
        return new HealthCheck(name + " present", true, outText);
      }
      p.destroyForcibly();
      return new HealthCheck(name + " present", false, name + " did not answer; " + fix);
    } catch (IOException e) {
      return new HealthCheck(name + " present", false, name + " not found on PATH; " + fix);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new HealthCheck(name + " present", false, "interrupted");
    }
  }
}
