package io.nemospawn.spi;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Transport;
import java.nio.file.Path;
import java.time.Duration;
import org.apiguardian.api.API;

/**
 * What a transport needs to open for one team: the data directory, the team, the configured
 * {@link Transport}, how durable inbox writes are, and how long a send may wait for a slow or
 * absent peer before it gives up on the fast path (the message still waits in the inbox).
 *
 * <pre>{@code
 * TransportContext ctx = TransportContext.of(dataDir, "sweep-1a2b3c4d")
 *     .withTransport(Transport.resolve(config.get("transport")));
 * }</pre>
 *
 * @param dataDir the data directory ({@code $NEMOSPAWN_DATA_DIR}), holding {@code teams/}
 * @param teamId the team, checked with {@link StateFormat#requireId}
 * @param transport the configured choice
 * @param durability how inbox files are written
 * @param sendTimeout the longest a fast-path send waits (connect, high-water mark, full ring)
 * @param time the team's time: the waits of a receive with a timeout measure it, so a simulated
 *     clock (the JUnit kit's {@code VirtualClock}) ends them without real waiting
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record TransportContext(
    Path dataDir,
    String teamId,
    Transport transport,
    Durability durability,
    Duration sendTimeout,
    TimeSource time) {

  /** Validates the parts. */
  public TransportContext {
    requireNonNull(dataDir, "dataDir");
    StateFormat.requireId("team id", teamId);
    requireNonNull(transport, "transport");
    requireNonNull(durability, "durability");
    requireNonNull(sendTimeout, "sendTimeout");
    requireNonNull(time, "time");
    if (sendTimeout.isNegative() || sendTimeout.isZero()) {
      throw new IllegalArgumentException(
          "Invalid sendTimeout " + sendTimeout + ": it must be positive, such as PT2S");
    }
  }

  /** A context on real time ({@link TimeSource#system()}). */
  public TransportContext(
      Path dataDir,
      String teamId,
      Transport transport,
      Durability durability,
      Duration sendTimeout) {
    this(dataDir, teamId, transport, durability, sendTimeout, TimeSource.system());
  }

  /** Returns a context with {@link Transport#auto()}, fsync durability and a 2 s send timeout. */
  public static TransportContext of(Path dataDir, String teamId) {
    return new TransportContext(
        dataDir, teamId, Transport.auto(), Durability.FSYNC, Duration.ofSeconds(2));
  }

  /** Returns {@code <dataDir>/teams/<teamId>}. */
  public Path teamDir() {
    return dataDir.resolve("teams").resolve(teamId);
  }

  /** Returns {@code <dataDir>/teams/<teamId>/inbox/<agentId>}, checking the id. */
  public Path inboxDir(String agentId) {
    return teamDir().resolve("inbox").resolve(StateFormat.requireId("agent id", agentId));
  }

  /** Returns a copy with another transport choice. */
  public TransportContext withTransport(Transport transport) {
    return new TransportContext(dataDir, teamId, transport, durability, sendTimeout, time);
  }

  /** Returns a copy with another durability. */
  public TransportContext withDurability(Durability durability) {
    return new TransportContext(dataDir, teamId, transport, durability, sendTimeout, time);
  }

  /** Returns a copy with another send timeout. */
  public TransportContext withSendTimeout(Duration sendTimeout) {
    return new TransportContext(dataDir, teamId, transport, durability, sendTimeout, time);
  }

  /** Returns a copy on another time source. */
  public TransportContext withTime(TimeSource time) {
    return new TransportContext(dataDir, teamId, transport, durability, sendTimeout, time);
  }
}
