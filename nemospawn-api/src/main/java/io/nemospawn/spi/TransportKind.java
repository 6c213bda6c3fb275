package io.nemospawn.spi;

import java.util.Locale;
import org.apiguardian.api.API;

/**
 * A concrete message transport, as chosen for one send: the inbox files, ZeroMQ or shared memory.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum TransportKind {
  /** The inbox directory alone. */
  FILE("file"),
  /** ZeroMQ PUSH to the receiver's PULL endpoint. */
  ZMQ("zmq"),
  /** The receiver's shared-memory ring on this node. */
  SHM("shm");

  private final String configName;

  TransportKind(String configName) {
    this.configName = configName;
  }

  /** Returns the name used in config, JSON output and endpoint records: file, zmq, shm. */
  public String configName() {
    return configName;
  }

  /**
   * Parses a config name (any case).
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static TransportKind parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    for (TransportKind k : values()) {
      if (k.configName.equals(t)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "Unknown transport kind '" + StateFormat.printable(text) + "'; use file, zmq or shm");
  }
}
