package io.nemospawn.board;

import io.nemospawn.state.AccessKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link BoardServer} listens and what it guards. Build with {@link #builder()}; the
 * defaults bind 127.0.0.1 on port 8080 with no keys (reads open, changes refused).
 *
 * @param host the address to bind; anything but a loopback address needs {@code keys} holding a
 *     key
 * @param port the port, 0 for any free one
 * @param keys the access keys that changes (and, off loopback, reads) need; null: changes are
 *     refused
 * @param dataDir the data directory whose {@code hpo/} holds the team's studies; null: the team
 *     directory's grandparent ({@code <data dir>/teams/<id>})
 * @param studies HPO studies to show besides those the team's tasks link to
 * @param maxClients the most live-update (SSE) clients at once; more get HTTP 503
 * @param clientQueue the most events queued for one client; a client that falls further behind is
 *     dropped (sent {@code resync} and closed)
 * @param heartbeat how often an idle live-update stream gets a comment line
 * @param gpuInterval how often the GPUs are sampled (one sample per server, not per client)
 * @param cost where the cost panel reads the team's costs (at the GPU interval); null: no panel
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record BoardOptions(
    String host,
    int port,
    @Nullable AccessKeys keys,
    @Nullable Path dataDir,
    List<String> studies,
    int maxClients,
    int clientQueue,
    Duration heartbeat,
    Duration gpuInterval,
    @Nullable CostSource cost) {
  /** Validates and copies. */
  public BoardOptions {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("Board host is blank; use 127.0.0.1 or an address");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("Board port " + port + " is out of range 0..65535");
    }
    studies = List.copyOf(studies);
    if (maxClients < 1) {
      throw new IllegalArgumentException("Board maxClients must be >= 1, was " + maxClients);
    }
    if (clientQueue < 2) {
      throw new IllegalArgumentException("Board clientQueue must be >= 2, was " + clientQueue);
    }
    requirePositive("heartbeat", heartbeat);
    requirePositive("gpuInterval", gpuInterval);
  }

  private static void requirePositive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("Board " + what + " must be positive, was " + d);
    }
  }

  /** Returns a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the defaults: 127.0.0.1:8080, no keys. */
  public static BoardOptions defaults() {
    return builder().build();
  }

  /** Returns a builder holding these options. */
  public Builder toBuilder() {
    Builder b = new Builder()
        .host(host)
        .port(port)
        .studies(studies)
        .maxClients(maxClients)
        .clientQueue(clientQueue)
        .heartbeat(heartbeat)
        .gpuInterval(gpuInterval);
    b.keys = keys;
    b.dataDir = dataDir;
    b.cost = cost;
    return b;
  }

  /** Builds {@link BoardOptions}; not thread-safe. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private @Nullable AccessKeys keys;
    private @Nullable Path dataDir;
    private List<String> studies = new ArrayList<>();
    private int maxClients = 128;
    private int clientQueue = 256;
    private Duration heartbeat = Duration.ofSeconds(15);
    private Duration gpuInterval = Duration.ofSeconds(10);
    private @Nullable CostSource cost;

    private Builder() {}

    /** The address to bind (default 127.0.0.1). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port (default 8080; 0 for any free one). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The access keys that changes need (default none: changes refused). */
    public Builder keys(AccessKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** The data directory whose {@code hpo/} holds the studies. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** HPO studies to show besides those the team's tasks link to. */
    public Builder studies(List<String> studies) {
      this.studies = new ArrayList<>(studies);
      return this;
    }

    /** The most live-update clients at once (default 128). */
    public Builder maxClients(int maxClients) {
      this.maxClients = maxClients;
      return this;
    }

    /** The most events queued for one client before it is dropped (default 256). */
    public Builder clientQueue(int clientQueue) {
      this.clientQueue = clientQueue;
      return this;
    }

    /** How often an idle stream gets a comment line (default 15 s). */
    public Builder heartbeat(Duration heartbeat) {
      this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
      return this;
    }

    /** How often the GPUs are sampled (default 10 s). */
    public Builder gpuInterval(Duration gpuInterval) {
      this.gpuInterval = Objects.requireNonNull(gpuInterval, "gpuInterval");
      return this;
    }

    /**
     * Where the cost panel reads the team's costs (default none: the panel says costs are not
     * kept). {@link CostSource} shows how to give nemospawn-core's ledger.
     */
    public Builder cost(CostSource cost) {
      this.cost = Objects.requireNonNull(cost, "cost");
      return this;
    }

    /** Validates and builds. */
    public BoardOptions build() {
      return new BoardOptions(
          host,
          port,
          keys,
          dataDir,
          studies,
          maxClients,
          clientQueue,
          heartbeat,
          gpuInterval,
          cost);
    }

    @Override
    public String toString() {
      return "BoardOptions.Builder[host=" + host + ", port=" + port + ", keys=" + keys
          + ", dataDir=" + dataDir + ", studies=" + studies + ", maxClients=" + maxClients + "]";
    }
  }
}
