package io.nemospawn.board.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AccessKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The web console's HTTP side ({@code nemospawn web}): the page and its assets, the login (the
 * board's rules: a session cookie plus a CSRF token, or a bearer key), the commands a page sends
 * (forwarded by {@link WebBridge} with the person's own key) and the event stream (Server-Sent
 * Events with {@code id:} = the control plane's sequence number, so a reconnecting {@code
 * EventSource} resumes after its {@code Last-Event-ID}). Loopback only.
 */
public final class WebHttp implements AutoCloseable {
  static final String SESSION_COOKIE = "nemospawn_web";
  static final int MAX_BODY = 256 * 1024;
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final Map<String, String> ASSETS = Map.of(
      "/", "web.html",
      "/index.html", "web.html",
      "/web.js", "web.js",
      "/web.css", "web.css",
      "/favicon.svg", "favicon.svg");

  private final WebBridge bridge;
  private final AccessKeys keys;
  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final Semaphore streams;
  private final int maxClients;
  private final Duration heartbeat;
  private final Set<String> allowedHosts = new HashSet<>();
  private final CookieSessions<String> sessions = new CookieSessions<>(SESSION_COOKIE);
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Starts serving.
   *
   * @throws IllegalArgumentException when {@code host} is not a loopback address
   * @throws IOException when the port cannot be bound
   */
  public WebHttp(
      WebBridge bridge, AccessKeys keys, String host, int port, int maxClients, Duration heartbeat)
      throws IOException {
    this.bridge = Objects.requireNonNull(bridge, "bridge");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.heartbeat = heartbeat;
    InetAddress addr;
    try {
      addr = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "Cannot resolve web console host '" + StateFormat.printable(host) + "'", e);
    }
    if (!addr.isLoopbackAddress()) {
      throw new IllegalArgumentException("The web console serves loopback only, not '"
          + StateFormat.printable(host) + "'; reach it from elsewhere through an SSH tunnel");
    }
    this.streams = new Semaphore(maxClients);
    this.maxClients = maxClients;
    AtomicInteger n = new AtomicInteger();
    int threads = maxClients + 8;
    this.pool = new ThreadPoolExecutor(
        threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "nemospawn-web-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    this.server = HttpServer.create(new InetSocketAddress(addr, port), 64);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
    int p = server.getAddress().getPort();
    for (String h : List.of("127.0.0.1", "localhost", "[::1]", addr.getHostAddress())) {
      allowedHosts.add(h.toLowerCase(Locale.ROOT) + ":" + p);
    }
  }

  /** Returns the address the server listens on. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Returns the live event streams now. */
  public int clients() {
    return maxClients - streams.availablePermits();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      Headers h = ex.getResponseHeaders();
      h.set("Content-Security-Policy", BoardHttp.CSP);
      h.set("X-Content-Type-Options", "nosniff");
      h.set("X-Frame-Options", "DENY");
      h.set("Referrer-Policy", "no-referrer");
      h.set("Cross-Origin-Opener-Policy", "same-origin");
      h.set("Cross-Origin-Resource-Policy", "same-origin");
      String host = ex.getRequestHeaders().getFirst("Host");
      if (host == null || !allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
        send(ex, 421, "Unexpected Host header; open the console by 127.0.0.1 or localhost");
        return;
      }
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      if (method.equals("GET") || method.equals("HEAD")) {
        get(ex, path);
      } else if (method.equals("POST")) {
        post(ex, path);
      } else {
        h.set("Allow", "GET, HEAD, POST");
        send(ex, 405, "Method " + StateFormat.printable(method) + " is not allowed");
      }
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      send(ex, 500, "Internal error: " + e.getMessage());
    } finally {
      ex.close();
    }
  }

  private void get(HttpExchange ex, String path) throws IOException {
    String asset = ASSETS.get(path);
    if (asset != null) {
      asset(ex, asset);
      return;
    }
    switch (path) {
      case "/api/session" -> {
        CookieSessions.Session<String> s = sessions.find(ex);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("authenticated", s != null);
        m.put("csrf", s == null ? null : s.csrf());
        m.put("last_seq", bridge.lastSeq());
        sendJson(ex, 200, m);
      }
      case "/api/web/snapshot" -> sendJson(ex, 200, snapshot());
      case "/api/web/events" -> events(ex);
      default -> send(ex, 404, "No such page: " + StateFormat.printable(path));
    }
  }

  /** What the page reads once to learn the providers, swarms and projects that exist. */
  ObjectNode snapshot() {
    ObjectNode m = MAPPER.createObjectNode();
    m.put("last_seq", bridge.lastSeq());
    m.set("providers", bridge.read("providers_list", "providers_list").path("providers"));
    m.set("swarms", bridge.read("swarm_list", "swarm_list").path("swarms"));
    m.set("projects", bridge.read("project_list", "project_list").path("projects"));
    m.set("aliases", bridge.read("swarm_alias_list", "swarm_aliases").path("aliases"));
    m.set("auto_routed", bridge.read("auto_route_list", "auto_route_updated").path("swarm_ids"));
    return m;
  }

  private static void asset(HttpExchange ex, String name) throws IOException {
    BoardHttp.sendAsset(
        ex,
        name.equals("favicon.svg") ? "/io/nemospawn/board/web/" : "/io/nemospawn/board/console/",
        name);
  }

  /**
   * The event stream: from {@code Last-Event-ID} (a reconnecting browser) or {@code ?since=N} (a
   * page that starts), every kept event after it, each once and in order, then live ones.
   */
  private void events(HttpExchange ex) throws IOException {
    long after = 0;
    String last = ex.getRequestHeaders().getFirst("Last-Event-ID");
    String query = ex.getRequestURI().getRawQuery();
    try {
      if (last != null && !last.isBlank()) {
        after = Long.parseLong(last.trim());
      } else if (query != null && query.startsWith("since=")) {
        after = Long.parseLong(query.substring("since=".length()));
      }
    } catch (NumberFormatException e) {
      send(
          ex,
          400,
          "The event id must be a number, not '"
              + StateFormat.printable(last != null ? last : query) + "'");
      return;
    }
    if (after < 0) {
      send(ex, 400, "The event id must not be negative");
      return;
    }
    if (!streams.tryAcquire()) {
      ex.getResponseHeaders().set("Retry-After", "5");
      send(ex, 503, "Too many live pages; try later");
      return;
    }
    try {
      Headers h = ex.getResponseHeaders();
      h.set("Content-Type", "text/event-stream; charset=utf-8");
      h.set("Cache-Control", "no-store");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.write("retry: 1000\n: connected\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (!closed.get()) {
        List<WebBridge.Entry> batch = bridge.after(after, heartbeat.toMillis(), 256);
        if (batch == null) {
          out.write(("event: resync\ndata: {\"oldest_seq\":" + bridge.oldestSeq() + "}\n\n")
              .getBytes(StandardCharsets.UTF_8));
          out.flush();
          return;
        }
        if (batch.isEmpty()) {
          out.write(": ping\n\n".getBytes(StandardCharsets.UTF_8));
        }
        for (WebBridge.Entry e : batch) {
          out.write(
              ("id: " + e.seq() + "\ndata: " + e.json() + "\n\n").getBytes(StandardCharsets.UTF_8));
          after = e.seq();
        }
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the page went away
    } finally {
      streams.release();
    }
  }

  private void post(HttpExchange ex, String path) throws IOException {
    switch (path) {
      case "/api/login" -> login(ex);
      case "/api/logout" -> {
        sessions.close(ex);
        sendJson(ex, 200, Map.of("ok", true));
      }
      case "/api/web/command" -> command(ex);
      default -> send(ex, 404, "No such action: " + StateFormat.printable(path));
    }
  }

  private void command(HttpExchange ex) throws IOException {
    String key;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)
          || !keys.verify(auth.substring(7).trim())) {
        send(ex, 401, "The access key is not valid");
        return;
      }
      key = auth.substring(7).trim();
    } else {
      CookieSessions.Session<String> s = sessions.find(ex);
      if (s == null) {
        send(ex, 401, "Log in with an access key to make changes");
        return;
      }
      String refusal = CookieSessions.refuseChange(ex, s, "console");
      if (refusal != null) {
        send(ex, 403, refusal.substring(4));
        return;
      }
      key = s.who();
    }
    JsonNode body = body(ex);
    if (body == null
        || !body.path("command").isString()
        || !(body.path("payload").isObject() || body.path("payload").isMissingNode())) {
      send(
          ex,
          400,
          "The body must be {\"command\": NAME, \"payload\": {...}} of at most " + MAX_BODY
              + " bytes");
      return;
    }
    ObjectNode payload = body.path("payload").isObject()
        ? (ObjectNode) body.path("payload")
        : MAPPER.createObjectNode();
    try {
      sendJson(ex, 200, bridge.command(key, body.path("command").asString(), payload));
    } catch (IllegalArgumentException e) {
      send(ex, 400, String.valueOf(e.getMessage()));
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      send(ex, 502, String.valueOf(e.getMessage()));
    }
  }

  private void login(HttpExchange ex) throws IOException {
    if (!CookieSessions.sameOriginLogin(ex)) {
      send(ex, 403, "Cross-origin login refused");
      return;
    }
    JsonNode body = body(ex);
    String key = body == null ? "" : body.path("key").asString("");
    if (key.isEmpty() || !keys.verify(key)) {
      send(ex, 401, "The access key is not valid");
      return;
    }
    CookieSessions.Session<String> s = sessions.open(ex, key);
    if (s == null) {
      send(ex, 503, "Too many sessions; log out elsewhere or restart the console");
      return;
    }
    sendJson(ex, 200, Map.of("authenticated", true, "csrf", s.csrf()));
  }

  private static @Nullable JsonNode body(HttpExchange ex) throws IOException {
    return BoardHttp.body(ex, MAX_BODY);
  }

  private static void send(HttpExchange ex, int status, String error) throws IOException {
    sendJson(ex, status, Map.of("error", error));
  }

  private static void sendJson(HttpExchange ex, int status, Object value) throws IOException {
    BoardHttp.sendJson(ex, status, value);
  }

  /** Stops listening and ends every stream; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    pool.shutdownNow();
  }
}
