package io.nemospawn.board.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nemospawn.AccessDeniedException;
import io.nemospawn.Listing;
import io.nemospawn.Principal;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.board.BoardOptions;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AccessKeys;
import io.nemospawn.state.Authorizer;
import io.nemospawn.task.Task;
import io.nemospawn.topology.GpuSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The board's HTTP server on the JDK's {@code com.sun.net.httpserver}: the page and its assets
 * from the jar, the JSON API, the Server-Sent Events stream fed by one {@link Team#subscribe}
 * through an {@link EventHub}, and the key-guarded, CSRF-checked changes. Serves a whole team, or
 * only HPO studies ({@code hpo dashboard}). Thread-safe.
 */
public final class BoardHttp implements AutoCloseable {
  /** The Content-Security-Policy of every response: same-origin scripts and styles only. */
  public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self';"
      + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none';"
      + " frame-ancestors 'none'";

  static final String SESSION_COOKIE = "nemospawn_board";
  static final int MAX_BODY = 64 * 1024;
  static final int SPARE_THREADS = 8;
  private static final Pattern PLAN_ACTION =
      Pattern.compile("/api/plans/([^/]{1,128})/(approve|reject)");
  private static final Pattern SHUTDOWN =
      Pattern.compile("/api/agents/([^/]{1,128})/shutdown-approve");
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final Map<String, String> ASSETS = Map.of(
      "/", "index.html",
      "/index.html", "index.html",
      "/app.js", "app.js",
      "/charts.js", "charts.js",
      "/cost.js", "cost.js",
      "/app.css", "app.css",
      "/favicon.svg", "favicon.svg");

  private final @Nullable Team team;
  private final Path dataDir;
  private final List<String> studies;
  private final BoardOptions options;
  private final @Nullable AccessKeys keys;
  private final boolean loopback;
  private final EventHub hub;
  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final ThreadPoolExecutor converter;
  private final ScheduledExecutorService ticker;
  private final @Nullable Subscription subscription;
  private final Set<String> allowedHosts = new HashSet<>();
  private final CookieSessions<Principal> sessions = new CookieSessions<>(SESSION_COOKIE);
  private final ConcurrentHashMap<String, Long> studyStamps = new ConcurrentHashMap<>();
  private final AtomicBoolean resyncPending = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable GpuSnapshot gpus;
  private final @Nullable CostPanel cost;

  // The team's tasks, read once and then kept up to date from the subscription's events, so that
  // neither a page's first read nor the study check lists the task directory again.
  private final ConcurrentHashMap<String, Task> tasks = new ConcurrentHashMap<>();
  private final Object taskLoad = new Object();
  private volatile boolean tasksLoaded;
  private volatile List<Listing.Problem> taskProblems = List.of();

  private BoardHttp(@Nullable Team team, Path dataDir, List<String> studies, BoardOptions options)
      throws IOException {
    this.team = team;
    this.dataDir = dataDir;
    this.studies = List.copyOf(studies);
    this.options = options;
    this.keys = options.keys();
    io.nemospawn.board.CostSource costSource = options.cost();
    this.cost = team != null && costSource != null ? new CostPanel(costSource) : null;
    InetAddress addr = resolve(options.host());
    this.loopback = addr.isLoopbackAddress();
    if (!loopback && (keys == null || !keys.hasKeys())) {
      throw new IllegalArgumentException("Refusing to serve the board on " + options.host()
          + ", which is not a loopback address, without an access key: reads and changes would"
          + " be open to the network. Give the options access keys holding a key (the data"
          + " directory's " + AccessKeys.FILE_NAME + "), or bind 127.0.0.1.");
    }
    this.hub = new EventHub(options.maxClients(), options.clientQueue());
    int threads = options.maxClients() + SPARE_THREADS;
    this.pool = new ThreadPoolExecutor(
        threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemon("http"));
    pool.allowCoreThreadTimeOut(true);
    this.converter = new ThreadPoolExecutor(
        1,
        1,
        0,
        TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(10_000),
        daemon("events"),
        (r, ex) -> resyncPending.set(true));
    this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("tick"));
    this.server = HttpServer.create(new InetSocketAddress(addr, options.port()), 64);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
    int port = server.getAddress().getPort();
    if (loopback) {
      for (String h : List.of("127.0.0.1", "localhost", "[::1]", addr.getHostAddress())) {
        allowedHosts.add(h.toLowerCase(Locale.ROOT) + ":" + port);
      }
      if (addr.getHostAddress().contains(":")) {
        allowedHosts.add("[" + addr.getHostAddress() + "]:" + port);
      }
    }
    Subscription sub = null;
    if (team != null) {
      Team t = team;
      sub = t.subscribe(e -> {
        if (!closed.get()) {
          converter.execute(() -> convert(t, e));
        }
      });
      ticker.submit(this::loadTasks);
      ticker.submit(this::sampleGpus);
      long gpuMillis = options.gpuInterval().toMillis();
      ticker.scheduleWithFixedDelay(this::sampleGpus, gpuMillis, gpuMillis, TimeUnit.MILLISECONDS);
      if (cost != null) {
        ticker.scheduleWithFixedDelay(this::sampleCost, 0, gpuMillis, TimeUnit.MILLISECONDS);
      }
    }
    this.subscription = sub;
    for (String s : studyNames()) {
      studyStamps.put(s, stamp(s));
    }
    ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  /** Serves a team's board. */
  public static BoardHttp team(Team team, Path dataDir, BoardOptions options) throws IOException {
    return new BoardHttp(Objects.requireNonNull(team, "team"), dataDir, options.studies(), options);
  }

  /** Serves HPO studies on their own ({@code hpo dashboard}). */
  public static BoardHttp studies(Path dataDir, List<String> studies, BoardOptions options)
      throws IOException {
    if (studies.isEmpty()) {
      throw new IllegalArgumentException("Name at least one HPO study to serve");
    }
    for (String s : studies) {
      Hpo.requireStudy(dataDir, s);
    }
    return new BoardHttp(null, dataDir, studies, options);
  }

  private static InetAddress resolve(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "Cannot resolve board host '" + StateFormat.printable(host) + "'; use an address such"
              + " as 127.0.0.1",
          e);
    }
  }

  private static ThreadFactory daemon(String what) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "nemospawn-board-" + what + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Returns the address the server listens on. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Returns the fan-out hub (for tests and metrics). */
  public EventHub hub() {
    return hub;
  }

  /** Returns the HTTP threads alive now (at most maxClients + {@value #SPARE_THREADS}). */
  public int threads() {
    return pool.getPoolSize();
  }

  /** Returns the most HTTP threads there can be. */
  public int maxThreads() {
    return pool.getMaximumPoolSize();
  }

  // ---------------------------------------------------------------- events

  private void convert(Team t, TeamEvent e) {
    try {
      if (e instanceof TeamEvent.TaskChanged tc) {
        keep(tc.task());
        hub.publish("task", json(BoardData.task(tc.task())));
      } else if (e instanceof TeamEvent.MessageReceived mr) {
        hub.publish("message", json(BoardData.message(mr.message())));
      } else if (e instanceof TeamEvent.PlanSubmitted ps) {
        hub.publish("plan", json(BoardData.plan(ps.plan())));
      } else if (e instanceof TeamEvent.PlanReviewed pr) {
        hub.publish("plan", json(BoardData.plan(pr.plan())));
      } else if (e instanceof TeamEvent.AgentLifecycleChanged ac) {
        java.util.Optional<AgentInfo> a = t.agents().find(ac.agentId());
        if (a.isPresent()) {
          hub.publish("agent", json(BoardData.agent(t, a.get())));
        } else {
          hub.resync();
        }
      }
    } catch (RuntimeException ex) {
      hub.resync();
    }
  }

  /** Keeps the newer of the cached and the given version of a task. */
  private void keep(Task task) {
    tasks.merge(
        task.id(), task, (old, now) -> now.updatedAt().isBefore(old.updatedAt()) ? old : now);
  }

  /** Reads every task once (again after a missed event); events keep the cache current. */
  private Listing<Task> cachedTasks() {
    Team t = team;
    if (t == null) {
      return Listing.empty();
    }
    if (!tasksLoaded) {
      synchronized (taskLoad) {
        if (!tasksLoaded) {
          Listing<Task> all = t.tasks().list();
          for (Task task : all) {
            keep(task);
          }
          taskProblems = all.problems();
          tasksLoaded = true;
        }
      }
    }
    List<Task> list = new ArrayList<>(tasks.values());
    list.sort(java.util.Comparator.comparing(Task::id));
    return new Listing<>(list, taskProblems);
  }

  private void loadTasks() {
    try {
      cachedTasks();
    } catch (RuntimeException e) {
      // the first read of the board tries again and reports the failure
    }
  }

  private void sampleGpus() {
    Team t = team;
    if (t == null || closed.get()) {
      return;
    }
    try {
      Set<Integer> ids = new LinkedHashSet<>(t.info().gpuIds());
      for (AgentInfo a : t.agents().list()) {
        ids.addAll(a.gpuIds());
      }
      GpuSnapshot s = GpuSnapshot.take(Clock.systemUTC()).only(ids);
      gpus = s;
      hub.publish("gpus", json(BoardData.gpus(s)));
    } catch (RuntimeException e) {
      // the next tick tries again; the page keeps the last sample
    }
  }

  private void sampleCost() {
    CostPanel c = cost;
    if (c == null || closed.get()) {
      return;
    }
    Map<String, Object> changed = c.sample();
    if (changed != null) {
      hub.publish("cost", json(changed));
    }
  }

  private List<String> studyNames() {
    Set<String> names = new LinkedHashSet<>(studies);
    Team t = team;
    if (t != null) {
      for (Task task : cachedTasks()) {
        try {
          io.nemospawn.hpo.TaskTrials.link(task).ifPresent(l -> names.add(l.study()));
        } catch (IllegalArgumentException e) {
          // a malformed link: /api/board lists it under problems
        }
      }
    }
    return new ArrayList<>(names);
  }

  private long stamp(String study) {
    try {
      Path f = Hpo.storageFile(dataDir, study);
      return Files.isRegularFile(f) ? Files.getLastModifiedTime(f).toMillis() ^ Files.size(f) : 0;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private void tick() {
    if (closed.get()) {
      return;
    }
    if (resyncPending.getAndSet(false)) {
      tasksLoaded = false; // an event was missed: read the tasks again
      hub.resync();
    }
    if (hub.clients() == 0) {
      return;
    }
    try {
      boolean changed = false;
      List<String> names = team == null ? studies : studyNames();
      for (String s : names) {
        long st = stamp(s);
        Long old = studyStamps.put(s, st);
        changed |= old == null || old != st;
      }
      if (changed) {
        hub.publish("hpo", json(BoardData.studies(dataDir, names, new ArrayList<>())));
      }
    } catch (RuntimeException e) {
      // the next tick tries again
    }
  }

  // ---------------------------------------------------------------- HTTP

  private void handle(HttpExchange ex) throws IOException {
    try {
      Headers h = ex.getResponseHeaders();
      h.set("Content-Security-Policy", CSP);
      h.set("X-Content-Type-Options", "nosniff");
      h.set("X-Frame-Options", "DENY");
      h.set("Referrer-Policy", "no-referrer");
      h.set("Cross-Origin-Opener-Policy", "same-origin");
      h.set("Cross-Origin-Resource-Policy", "same-origin");
      h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
      if (!hostAllowed(ex)) {
        send(ex, 421, error("Unexpected Host header; open the board by 127.0.0.1 or localhost"));
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
        send(ex, 405, error("Method " + method + " is not allowed"));
      }
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      send(ex, 500, error("Internal error: " + e.getMessage()));
    } finally {
      ex.close();
    }
  }

  private boolean hostAllowed(HttpExchange ex) {
    if (!loopback) {
      return true; // every request off loopback needs a key instead
    }
    String host = ex.getRequestHeaders().getFirst("Host");
    return host != null && allowedHosts.contains(host.toLowerCase(Locale.ROOT));
  }

  private void get(HttpExchange ex, String path) throws IOException {
    String asset = ASSETS.get(path);
    if (asset != null) {
      asset(ex, asset);
      return;
    }
    if (path.equals("/api/session")) {
      Map<String, Object> m = new LinkedHashMap<>();
      CookieSessions.Session<Principal> s = sessions.find(ex);
      m.put("authenticated", s != null);
      m.put("csrf", s == null ? null : s.csrf());
      m.put("keys", keys != null);
      m.put("readsOpen", loopback);
      m.put("mode", team == null ? "study" : "team");
      sendJson(ex, 200, m);
      return;
    }
    if (!loopback && !authenticated(ex)) {
      send(ex, 401, error("This board is served off loopback: log in with an access key"));
      return;
    }
    switch (path) {
      case "/api/board" -> sendJson(ex, 200, board());
      case "/api/hpo" ->
        sendJson(ex, 200, BoardData.studies(dataDir, studyNames(), new ArrayList<>()));
      case "/events" -> events(ex);
      default -> send(ex, 404, error("No such page: " + StateFormat.printable(path)));
    }
  }

  /** The whole board as the page reads it first. */
  public Map<String, Object> board() {
    Team t = team;
    if (t == null) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", "study");
      List<String> problems = new ArrayList<>();
      m.put("hpo", BoardData.studies(dataDir, studies, problems));
      m.put("problems", problems);
      return m;
    }
    Map<String, Object> m = BoardData.board(t, cachedTasks(), gpus, dataDir, studies);
    m.put("mode", "team");
    CostPanel c = cost;
    m.put("cost", c == null ? null : c.json());
    return m;
  }

  private static void asset(HttpExchange ex, String name) throws IOException {
    sendAsset(ex, "/io/nemospawn/board/web/", name);
  }

  /**
   * Sends the jar's resource {@code dir + name} with its content type (by extension: html, js,
   * css, else svg), or a 404 when the jar lacks it. The web console's too.
   */
  static void sendAsset(HttpExchange ex, String dir, String name) throws IOException {
    try (InputStream in = BoardHttp.class.getResourceAsStream(dir + name)) {
      if (in == null) {
        send(ex, 404, error("Asset " + name + " is missing from the jar"));
        return;
      }
      byte[] body = in.readAllBytes();
      String type = name.endsWith(".html")
          ? "text/html; charset=utf-8"
          : name.endsWith(".js")
              ? "text/javascript; charset=utf-8"
              : name.endsWith(".css") ? "text/css; charset=utf-8" : "image/svg+xml";
      ex.getResponseHeaders().set("Content-Type", type);
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      sendBytes(ex, 200, body);
    }
  }

  private void events(HttpExchange ex) throws IOException {
    EventHub.Client c = hub.register();
    if (c == null) {
      ex.getResponseHeaders().set("Retry-After", "5");
      send(ex, 503, error("Too many live clients (" + options.maxClients() + "); try later"));
      return;
    }
    try {
      Headers h = ex.getResponseHeaders();
      h.set("Content-Type", "text/event-stream; charset=utf-8");
      h.set("Cache-Control", "no-store");
      h.set("X-Accel-Buffering", "no");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.write("retry: 1000\n: connected\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      long beat = options.heartbeat().toMillis();
      while (!closed.get()) {
        String m = c.next(beat);
        if (m == null) {
          out.write(": ping\n\n".getBytes(StandardCharsets.UTF_8));
        } else {
          out.write(m.getBytes(StandardCharsets.UTF_8));
          for (int i = 0; i < 64; i++) {
            String more = c.poll();
            if (more == null) {
              break;
            }
            out.write(more.getBytes(StandardCharsets.UTF_8));
          }
        }
        out.flush();
        if (c.dropped() && c.queued() == 0) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away
    } finally {
      hub.remove(c);
    }
  }

  private void post(HttpExchange ex, String path) throws IOException {
    if (path.equals("/api/login")) {
      login(ex);
      return;
    }
    if (path.equals("/api/logout")) {
      sessions.close(ex);
      sendJson(ex, 200, Map.of("ok", true));
      return;
    }
    String refusal = refuseChange(ex);
    if (refusal != null) {
      send(ex, refusal.startsWith("403") ? 403 : 401, error(refusal.substring(4)));
      return;
    }
    Team t = team;
    if (t == null) {
      send(ex, 404, error("This board serves HPO studies only; it makes no changes"));
      return;
    }
    JsonNode body = body(ex);
    if (body == null) {
      send(
          ex,
          400,
          error("The request body must be a JSON object of at most " + MAX_BODY + " bytes"));
      return;
    }
    try {
      Matcher m = PLAN_ACTION.matcher(path);
      Matcher s = SHUTDOWN.matcher(path);
      if (m.matches()) {
        String id = StateFormat.requireId("plan id", m.group(1));
        String comment = text(body, "comment");
        var plan = m.group(2).equals("approve")
            ? t.plans().approve(id, "board", comment)
            : t.plans().reject(id, "board", comment);
        sendJson(ex, 200, BoardData.plan(plan));
      } else if (s.matches()) {
        String agent = StateFormat.requireId("agent", s.group(1));
        AgentInfo a = t.lifecycle().approveShutdown(agent, text(body, "reason"));
        sendJson(ex, 200, Map.of("agent", a.id(), "lifecycle", a.lifecycle().wireName()));
      } else if (path.equals("/api/messages")) {
        String to = text(body, "to");
        String text = text(body, "body");
        if (text.isEmpty()) {
          throw new IllegalArgumentException("The message body is empty");
        }
        var d = to.equals("*") || to.isEmpty()
            ? t.inbox().broadcast("board", text)
            : List.of(t.inbox().send("board", to, text));
        sendJson(ex, 200, Map.of("sent", d.size()));
      } else {
        send(ex, 404, error("No such action: " + StateFormat.printable(path)));
      }
    } catch (NoSuchElementException e) {
      send(ex, 404, error(String.valueOf(e.getMessage())));
    } catch (IllegalArgumentException e) {
      send(ex, 400, error(String.valueOf(e.getMessage())));
    } catch (IllegalStateException e) {
      send(ex, 409, error(String.valueOf(e.getMessage())));
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || !n.isString() ? "" : n.asString();
  }

  /**
   * Why a change is refused ("401 …"/"403 …"), or null when it may go ahead: a bearer key, or a
   * session cookie with its CSRF token in {@code X-CSRF-Token} and a same-origin {@code Origin}.
   */
  private @Nullable String refuseChange(HttpExchange ex) {
    AccessKeys k = keys;
    if (k == null) {
      return "403 This board was started without access keys; it makes no changes";
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      Optional<Principal> who = auth.regionMatches(true, 0, "Bearer ", 0, 7)
          ? k.identify(auth.substring(7).trim())
          : Optional.empty();
      if (who.isPresent()) {
        return refuseRole(who.get());
      }
      return "401 The access key is not valid";
    }
    CookieSessions.Session<Principal> s = sessions.find(ex);
    if (s == null) {
      return "401 Log in with an access key to make changes";
    }
    String refusal = CookieSessions.refuseChange(ex, s, "board");
    if (refusal != null) {
      return refusal;
    }
    return refuseRole(s.who());
  }

  /**
   * Why the key's role refuses changing the board's team ("403 …"), or null: the data directory's
   * {@link Authorizer} decides (nothing is refused while its auth setting is off).
   */
  private @Nullable String refuseRole(Principal who) {
    Team t = team;
    try {
      if (t != null) {
        Authorizer.of(dataDir).checkTeamChange(who, t.id(), "change the board's team");
      }
      return null;
    } catch (AccessDeniedException e) {
      return "403 " + e.getMessage();
    }
  }

  private boolean authenticated(HttpExchange ex) {
    if (sessions.find(ex) != null) {
      return true;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    AccessKeys k = keys;
    return k != null
        && auth != null
        && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        && k.verify(auth.substring(7).trim());
  }

  private void login(HttpExchange ex) throws IOException {
    AccessKeys k = keys;
    if (k == null) {
      send(ex, 403, error("This board was started without access keys"));
      return;
    }
    if (!CookieSessions.sameOriginLogin(ex)) {
      send(ex, 403, error("Cross-origin login refused"));
      return;
    }
    JsonNode body = body(ex);
    String key = body == null ? "" : text(body, "key");
    Optional<Principal> who = key.isEmpty() ? Optional.empty() : k.identify(key);
    if (who.isEmpty()) {
      send(ex, 401, error("The access key is not valid"));
      return;
    }
    CookieSessions.Session<Principal> s = sessions.open(ex, who.get());
    if (s == null) {
      send(ex, 503, error("Too many sessions; log out elsewhere or restart the board"));
      return;
    }
    sendJson(ex, 200, Map.of("authenticated", true, "csrf", s.csrf()));
  }

  /** The value of cookie {@code name} of a request, or null. The web console's too. */
  static @Nullable String cookie(HttpExchange ex, String name) {
    List<String> all = ex.getRequestHeaders().get("Cookie");
    if (all == null) {
      return null;
    }
    for (String header : all) {
      for (String part : header.split(";")) {
        String p = part.trim();
        if (p.startsWith(name + "=")) {
          return p.substring(name.length() + 1);
        }
      }
    }
    return null;
  }

  private static @Nullable JsonNode body(HttpExchange ex) throws IOException {
    return body(ex, MAX_BODY);
  }

  /**
   * A request's JSON object body ({} when empty), or null when it is over {@code max} bytes or not
   * a JSON object. The web console's too.
   */
  static @Nullable JsonNode body(HttpExchange ex, int max) throws IOException {
    byte[] b = ex.getRequestBody().readNBytes(max + 1);
    if (b.length > max) {
      return null;
    }
    if (b.length == 0) {
      return MAPPER.createObjectNode();
    }
    try {
      JsonNode n = MAPPER.readTree(b);
      return n != null && n.isObject() ? n : null;
    } catch (JacksonException e) {
      return null;
    }
  }

  static String json(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  private static Map<String, Object> error(String message) {
    return Map.of("error", message);
  }

  /** Sends {@code value} as JSON, never cached. The web console's too. */
  static void sendJson(HttpExchange ex, int status, Object value) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    sendBytes(ex, status, json(value).getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, Map<String, Object> error)
      throws IOException {
    sendJson(ex, status, error);
  }

  private static void sendBytes(HttpExchange ex, int status, byte[] body) throws IOException {
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Stops listening, ends every stream and unsubscribes; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Subscription s = subscription;
    if (s != null) {
      s.close();
    }
    hub.close();
    server.stop(0);
    ticker.shutdownNow();
    converter.shutdownNow();
    pool.shutdownNow();
  }
}
