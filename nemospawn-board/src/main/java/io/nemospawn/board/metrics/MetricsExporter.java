package io.nemospawn.board.metrics;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a team's metrics at {@code GET /metrics} in the Prometheus text format (0.0.4), computed
 * when the request arrives. Binds 127.0.0.1 by default; another address needs a bearer token,
 * which every request must then carry ({@code Authorization: Bearer <token>}), because the metrics
 * name the team's agents and studies.
 *
 * <pre>{@code
 * try (MetricsExporter e = MetricsExporter.builder(TeamMetrics.builder(team).build())
 *     .port(9090).start()) {
 *   System.out.println(e.uri());   // http://127.0.0.1:9090/metrics
 * }
 * }</pre>
 *
 * <p>Served by the JDK's {@code com.sun.net.httpserver} on two daemon threads: it is in every JDK,
 * adds no dependency, and lets us choose the bound address and check the token; the client's own
 * {@code prometheus-metrics-exporter-httpserver} wraps the same server and would add a jar but no
 * capability we use. Thread-safe; {@link #close()} is idempotent.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public final class MetricsExporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsExporter.class);
  private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

  private final HttpServer server;
  private final ExecutorService executor;
  private final PrometheusRegistry registry;
  private final @Nullable String token;
  private final String host;
  private volatile boolean closed;

  private MetricsExporter(Builder b, InetAddress address) throws IOException {
    this.registry = new PrometheusRegistry();
    registry.register(b.metrics);
    for (MultiCollector c : b.extra) {
      registry.register(c);
    }
    this.token = b.token;
    this.host = b.host;
    String team = b.metrics.team().id();
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "nemospawn-" + team + "-metrics-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.server = HttpServer.create(new InetSocketAddress(address, b.port), 16);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    log.info("Serving the metrics of team {} at {}", team, uri());
  }

  /** Returns a builder for an exporter of {@code metrics}. */
  public static Builder builder(TeamMetrics metrics) {
    return new Builder(requireNonNull(metrics, "metrics"));
  }

  /** Writes {@code snapshots} in the Prometheus text format (0.0.4). */
  static void write(MetricSnapshots snapshots, OutputStream out) throws IOException {
    WRITER.write(out, snapshots);
  }

  /** Returns the address it listens on (the port is the one chosen when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Returns the URL of {@code /metrics}. */
  public URI uri() {
    InetSocketAddress a = address();
    String h = a.getAddress().isAnyLocalAddress() ? host : a.getAddress().getHostAddress();
    if (h.contains(":") && !h.startsWith("[")) {
      h = "[" + h + "]";
    }
    return URI.create("http://" + h + ":" + a.getPort() + "/metrics");
  }

  private void handle(HttpExchange x) {
    try (x) {
      String path = x.getRequestURI().getPath();
      if (token != null && !authorized(x.getRequestHeaders().getFirst("Authorization"))) {
        x.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"nemospawn-metrics\"");
        reply(x, 401, "Unauthorized: send Authorization: Bearer <token>\n");
        return;
      }
      if (!path.equals("/metrics")) {
        reply(x, 404, "Not found: the metrics are at /metrics\n");
        return;
      }
      String method = x.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        x.getResponseHeaders().set("Allow", "GET, HEAD");
        reply(x, 405, "Method not allowed: use GET\n");
        return;
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream(16384);
      write(registry.scrape(), body);
      x.getResponseHeaders().set("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
      if (method.equals("HEAD")) {
        x.sendResponseHeaders(200, -1);
      } else {
        x.sendResponseHeaders(200, body.size());
        x.getResponseBody().write(body.toByteArray());
      }
    } catch (IOException | RuntimeException e) {
      // The client sees the connection close; the exporter carries on with the next request.
      log.warn("Metrics request {} failed: {}", x.getRequestURI(), e.toString());
    }
  }

  private boolean authorized(@Nullable String header) {
    String expected = "Bearer " + token;
    return header != null
        && MessageDigest.isEqual(
            header.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  private static void reply(HttpExchange x, int code, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    x.sendResponseHeaders(code, b.length);
    x.getResponseBody().write(b);
  }

  /** Stops serving; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "MetricsExporter[" + host + " " + (closed ? "closed" : uri()) + "]";
  }

  /**
   * Builds a {@link MetricsExporter}. Not thread-safe.
   *
   * @since 0.3
   */
  @API(status = API.Status.EXPERIMENTAL, since = "0.3")
  public static final class Builder {
    private final TeamMetrics metrics;
    private final List<MultiCollector> extra = new ArrayList<>();
    private String host = "127.0.0.1";
    private int port = 9090;
    private @Nullable String token;

    private Builder(TeamMetrics metrics) {
      this.metrics = metrics;
    }

    /**
     * Sets the address to bind (default {@code 127.0.0.1}). An address that is not loopback
     * ({@code 0.0.0.0}, a LAN address) needs a {@link #bearerToken}.
     */
    public Builder host(String host) {
      this.host = requireNonNull(host, "host");
      return this;
    }

    /** Sets the port (default 9090); 0 picks a free one, see {@link #address()}. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("Metrics port must be 0-65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Requires {@code Authorization: Bearer <token>} on every request; needed to bind an address
     * that is not loopback. The token is never logged.
     */
    public Builder bearerToken(String token) {
      requireNonNull(token, "token");
      if (token.isBlank() || token.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        throw new IllegalArgumentException(
            "The metrics bearer token must be non-empty printable ASCII without spaces");
      }
      this.token = token;
      return this;
    }

    /**
     * Adds another collector served on the same {@code /metrics}: the seam where the cost metrics
     * (issue 17) will plug in.
     */
    public Builder register(MultiCollector collector) {
      extra.add(requireNonNull(collector, "collector"));
      return this;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalArgumentException when the host is unknown, or is not loopback and no bearer
     *     token was set
     * @throws java.io.UncheckedIOException when the address cannot be bound (port in use)
     */
    public MetricsExporter start() {
      InetAddress address;
      try {
        address = InetAddress.getByName(host);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(
            "Cannot serve metrics on host '" + host + "': unknown host", e);
      }
      if (!address.isLoopbackAddress() && token == null) {
        throw new IllegalArgumentException("Refusing to serve metrics on '" + host
            + "', which is not loopback, without a bearer token: anyone who can reach it would"
            + " read the team's agents and studies. Set a bearer token (metrics token), or bind"
            + " 127.0.0.1.");
      }
      try {
        return new MetricsExporter(this, address);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(
            "Cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      return "MetricsExporter.Builder[" + host + ":" + port + (token == null ? "" : " token")
          + " extra=" + extra.size() + "]";
    }
  }
}
