package io.nemospawn.nvidia.nim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A load generator for OpenAI-compatible endpoints ({@code /v1/chat/completions} or {@code
 * /v1/completions}, streaming or not): at each concurrency level, that many workers send requests
 * back to back until the level's request count is reached; every request is timed on its own.
 *
 * <p>It uses the JDK's {@link HttpClient} (HTTP/1.1, keep-alive connections, one per worker) and
 * reads a streamed answer from {@link HttpResponse.BodyHandlers#ofInputStream()}, stamping each
 * server-sent event with {@link System#nanoTime()} as its line arrives. The client hands each
 * chunk over as the socket delivers it, so a time stamp is late by one hand-over between the
 * client's selector thread and the worker (tens of microseconds; see {@code
 * LoadGeneratorBenchmark}), far below the millisecond figures it reports. Raw sockets would save
 * that hand-over but would have to re-implement chunked encoding, TLS and proxies.
 *
 * <p>Failures (an HTTP status other than 2xx, a refused connection, a timeout, an answer that is
 * not what the protocol says) are counted by kind and kept out of the latency figures. A level at
 * which nothing succeeded has no figures at all, never zeros.
 *
 * <p>The timeout bounds a whole request: a watchdog closes an answer's stream (and wakes its
 * worker) at the request's deadline, so a server that sends the headers and then stalls costs one
 * {@code timeout}, not a worker held until the connection fails.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class LoadGenerator {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Which OpenAI-compatible route is loaded. */
  public enum Api {
    /** {@code POST /v1/chat/completions}. */
    CHAT("/v1/chat/completions"),
    /** {@code POST /v1/completions}. */
    COMPLETIONS("/v1/completions");

    private final String path;

    Api(String path) {
      this.path = path;
    }

    /** Returns its path, {@code /v1/chat/completions}. */
    public String path() {
      return path;
    }
  }

  /**
   * What to send.
   *
   * @param endpoint the endpoint's base URL ({@code http://host:port}); {@code host:port} is read
   *     as http
   * @param api which route
   * @param stream whether answers are streamed (needed for time to first token)
   * @param model the model id sent in every request
   * @param concurrency the concurrency levels, in order
   * @param requests requests per level, 0 for 8 per concurrent worker (at least 32)
   * @param inputTokens words in each prompt
   * @param outputTokens {@code max_tokens} of each request
   * @param timeout the limit of one request, connection included
   * @param apiKey sent as a bearer token when not null; never printed
   */
  public record Options(
      URI endpoint,
      Api api,
      boolean stream,
      String model,
      List<Integer> concurrency,
      int requests,
      int inputTokens,
      int outputTokens,
      Duration timeout,
      @Nullable String apiKey) {
    /** Validates the parts. */
    public Options {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(api, "api");
      Objects.requireNonNull(model, "model");
      concurrency = List.copyOf(concurrency);
      if (concurrency.isEmpty()) {
        throw new IllegalArgumentException("Give at least one concurrency level");
      }
      for (int c : concurrency) {
        if (c < 1 || c > 4096) {
          throw new IllegalArgumentException(
              "Concurrency levels must be 1..4096, got " + c + " in " + concurrency);
        }
      }
      if (requests < 0 || requests > 10_000_000) {
        throw new IllegalArgumentException(
            "Requests per level must be 0..10000000, got " + requests);
      }
      if (inputTokens < 1
          || inputTokens > 1_000_000
          || outputTokens < 1
          || outputTokens > 1_000_000) {
        throw new IllegalArgumentException("Input and output tokens must be 1..1000000, got "
            + inputTokens + " and " + outputTokens);
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("The request timeout must be positive, got " + timeout);
      }
    }

    /**
     * Streaming chat requests to the endpoint at concurrency 1, 4, 16 and 64, 128 words in, 64
     * tokens out, 60 s per request.
     */
    public static Options of(String endpoint, String model) {
      return new Options(
          endpointUri(endpoint),
          Api.CHAT,
          true,
          model,
          List.of(1, 4, 16, 64),
          0,
          128,
          64,
          Duration.ofSeconds(60),
          null);
    }

    /** Returns a copy with the given levels. */
    public Options withConcurrency(List<Integer> c) {
      return new Options(
          endpoint, api, stream, model, c, requests, inputTokens, outputTokens, timeout, apiKey);
    }

    /** Returns a copy sending {@code n} requests per level. */
    public Options withRequests(int n) {
      return new Options(
          endpoint, api, stream, model, concurrency, n, inputTokens, outputTokens, timeout, apiKey);
    }

    /** Returns a copy with the given prompt and answer sizes. */
    public Options withTokens(int in, int out) {
      return new Options(
          endpoint, api, stream, model, concurrency, requests, in, out, timeout, apiKey);
    }

    /** Returns a copy loading the given route, streamed or not. */
    public Options withApi(Api a, boolean s) {
      return new Options(
          endpoint, a, s, model, concurrency, requests, inputTokens, outputTokens, timeout, apiKey);
    }

    /** Returns a copy with the given per-request timeout. */
    public Options withTimeout(Duration t) {
      return new Options(
          endpoint,
          api,
          stream,
          model,
          concurrency,
          requests,
          inputTokens,
          outputTokens,
          t,
          apiKey);
    }

    /** Returns a copy that sends the key as a bearer token. */
    public Options withApiKey(@Nullable String key) {
      return new Options(
          endpoint,
          api,
          stream,
          model,
          concurrency,
          requests,
          inputTokens,
          outputTokens,
          timeout,
          key);
    }

    /** Returns the number of requests sent at the level. */
    public int requestsAt(int level) {
      return requests > 0 ? requests : Math.max(32, 8 * level);
    }

    @Override
    public String toString() {
      return "Options[endpoint=" + endpoint + ", api=" + api + ", stream=" + stream + ", model="
          + model + ", concurrency=" + concurrency + ", requests=" + requests + ", inputTokens="
          + inputTokens + ", outputTokens=" + outputTokens + ", timeout=" + timeout + ", apiKey="
          + (apiKey == null ? "none" : "(set)") + "]";
    }
  }

  /** Told as requests finish, for a progress bar. */
  @FunctionalInterface
  public interface Progress {
    /** A request of the level finished; {@code done} of {@code total} are. */
    void update(int level, int done, int total);

    /** Reports nothing. */
    static Progress none() {
      return (l, d, t) -> {};
    }
  }

  /**
   * Parses an endpoint as 1.0 takes it: {@code http(s)://host[:port]} or {@code host:port}.
   *
   * @throws IllegalArgumentException naming the value when it is not such a URL, carries user
   *     information (credentials belong in the API key, not the URL), or has a query
   */
  public static URI endpointUri(String text) {
    String t = text.strip();
    if (!t.contains("://")) {
      t = "http://" + t;
    }
    URI u;
    try {
      u = URI.create(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid endpoint URL '" + text + "': " + e.getMessage()
              + "; give http://host:port or host:port",
          e);
    }
    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
      throw new IllegalArgumentException(
          "Invalid endpoint URL '" + text + "': the scheme must be http or https");
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      throw new IllegalArgumentException(
          "Invalid endpoint URL '" + text + "': no host; give" + " http://host:port or host:port");
    }
    if (u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new IllegalArgumentException("Invalid endpoint URL '" + text + "': it must not carry"
          + " credentials, a query or a fragment (give an API key in the environment instead)");
    }
    String path = u.getPath() == null ? "" : u.getPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    for (Api a : Api.values()) {
      if (path.endsWith(a.path())) {
        path = path.substring(0, path.length() - a.path().length());
      }
    }
    if (path.endsWith("/v1")) {
      path = path.substring(0, path.length() - 3);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return URI.create(u.getScheme() + "://" + u.getRawAuthority() + path);
  }

  /** Closes stalled answers at their deadline; one daemon thread for every generator. */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "load-generator-watchdog");
        t.setDaemon(true);
        return t;
      });

  private final Options options;
  private final HttpClient client;
  private final String prompt;

  /** Makes a generator; prompts are taken from the built-in corpus. */
  public LoadGenerator(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(options.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    List<String> words = WordModel.tokens(WordModel.builtInCorpus());
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < options.inputTokens(); i++) {
      b.append(i == 0 ? "" : " ").append(words.get(i % words.size()));
    }
    this.prompt = b.toString();
  }

  /** Runs every level in order and returns the report. */
  public LoadReport run(Progress progress) throws InterruptedException {
    List<LoadReport.Level> levels = new ArrayList<>();
    for (int c : options.concurrency()) {
      levels.add(runLevel(c, progress));
    }
    return new LoadReport(
        options.endpoint().toString(),
        options.api().path(),
        options.stream(),
        options.model(),
        options.inputTokens(),
        options.outputTokens(),
        "nemospawn",
        levels);
  }

  private LoadReport.Level runLevel(int concurrency, Progress progress)
      throws InterruptedException {
    int total = options.requestsAt(concurrency);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    List<Sample> samples = Collections.synchronizedList(new ArrayList<>(total));
    ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "load-generator");
      t.setDaemon(true);
      return t;
    });
    long start = System.nanoTime();
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < concurrency; w++) {
        workers.add(pool.submit(() -> {
          int i;
          while ((i = next.getAndIncrement()) < total) {
            samples.add(one(i));
            progress.update(concurrency, done.incrementAndGet(), total);
          }
        }));
      }
      for (Future<?> f : workers) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException(
              "A load generator worker failed: " + e.getCause(), e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
    long wall = System.nanoTime() - start;
    return LoadReport.Level.of(concurrency, total, wall, samples);
  }

  /** One request's outcome; latencies in nanoseconds, NaN-free (error is null when it worked). */
  record Sample(
      @Nullable String error, long latencyNs, long ttftNs, List<Long> gapsNs, int outputTokens) {}

  Sample one(int i) {
    ObjectNode body = JSON.createObjectNode().put("model", options.model());
    if (options.api() == Api.CHAT) {
      body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    } else {
      body.put("prompt", prompt);
    }
    body.put("max_tokens", options.outputTokens())
        .put("stream", options.stream())
        .put("seed", i);
    if (options.stream()) {
      body.putObject("stream_options").put("include_usage", true);
    }
    HttpRequest.Builder rb = HttpRequest.newBuilder(
            URI.create(options.endpoint() + options.api().path()))
        .timeout(options.timeout())
        .header("Content-Type", "application/json")
        .header("Accept", options.stream() ? "text/event-stream" : "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    if (options.apiKey() != null) {
      rb.header("Authorization", "Bearer " + options.apiKey());
    }
    long t0 = System.nanoTime();
    long deadline = t0 + options.timeout().toNanos();
    try {
      HttpResponse<InputStream> r =
          client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
      Watch watch = new Watch(r.body(), Thread.currentThread());
      ScheduledFuture<?> alarm =
          WATCHDOG.schedule(watch::expire, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      Sample result;
      boolean late;
      try (InputStream in = r.body()) {
        if (r.statusCode() / 100 != 2) {
          in.readAllBytes();
          result = failed("http_" + r.statusCode());
        } else {
          result = options.stream() ? readStream(in, t0, deadline) : readWhole(in, t0);
        }
      } catch (IOException e) {
        if (!watch.expired()) {
          throw e;
        }
        result = failed("timeout");
      } finally {
        alarm.cancel(false);
        late = watch.finish();
        if (late) {
          Thread.interrupted(); // the watchdog's wake-up call, not the pool's shutdown
        }
      }
      return late ? failed("timeout") : result;
    } catch (HttpTimeoutException e) {
      return failed("timeout");
    } catch (ConnectException e) {
      return failed("connection_refused");
    } catch (IOException e) {
      return failed(System.nanoTime() > deadline ? "timeout" : "io_error");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed("interrupted");
    }
  }

  /**
   * One answer's deadline: {@link #expire} (the watchdog) closes the stream and interrupts the
   * worker blocked reading it, unless the worker has {@linkplain #finish finished} first.
   */
  private static final class Watch {
    private final InputStream in;
    private final Thread worker;
    private boolean done;
    private boolean expired;

    Watch(InputStream in, Thread worker) {
      this.in = in;
      this.worker = worker;
    }

    synchronized void expire() {
      if (done) {
        return;
      }
      expired = true;
      try {
        in.close();
      } catch (IOException e) {
        // closing is all we want; a failure to close still ends the read below
      }
      worker.interrupt();
    }

    synchronized boolean expired() {
      return expired;
    }

    /** Marks the read over; returns whether the watchdog fired first. */
    synchronized boolean finish() {
      done = true;
      return expired;
    }
  }

  private static Sample failed(String kind) {
    return new Sample(kind, 0, 0, List.of(), 0);
  }

  private Sample readWhole(InputStream in, long t0) throws IOException {
    byte[] b = in.readAllBytes();
    long end = System.nanoTime();
    JsonNode root;
    try {
      root = JSON.readTree(b);
    } catch (JacksonException e) {
      return failed("malformed_response");
    }
    JsonNode choice = root.path("choices").path(0);
    String text = options.api() == Api.CHAT
        ? choice.path("message").path("content").asString("")
        : choice.path("text").asString("");
    if (choice.isMissingNode()) {
      return failed("malformed_response");
    }
    int tokens = root.path("usage").path("completion_tokens").asInt(-1);
    if (tokens < 0) {
      tokens = WordModel.tokens(text).size();
    }
    return new Sample(null, end - t0, -1, List.of(), tokens);
  }

  private Sample readStream(InputStream in, long t0, long deadline) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    long first = -1;
    long last = -1;
    int events = 0;
    int usageTokens = -1;
    long end = -1; // when [DONE] came
    List<Long> gaps = new ArrayList<>();
    String line;
    while ((line = r.readLine()) != null) {
      long now = System.nanoTime();
      if (now > deadline) {
        return failed("timeout");
      }
      if (!line.startsWith("data:")) {
        continue; // blank separators, comments, event names
      }
      String data = line.substring(5).strip();
      if (data.equals("[DONE]")) {
        end = now;
        // Read the body to its end (the watchdog bounds it). Closing an unfinished answer
        // cancels it and drops its connection; with that, 8 of 150,000 streamed requests at
        // concurrency 4 failed on a kept-alive connection that had been closed under it
        // ("header parser received no bytes"); none of 480,000 read to the end did.
        while (r.readLine() != null) {
          // what a server sends after [DONE] is not part of the answer
        }
        break;
      }
      JsonNode chunk;
      try {
        chunk = JSON.readTree(data);
      } catch (JacksonException e) {
        return failed("malformed_response");
      }
      if (chunk.has("error")) {
        return failed("stream_error");
      }
      JsonNode u = chunk.path("usage").path("completion_tokens");
      if (u.canConvertToInt()) {
        usageTokens = u.asInt();
      }
      JsonNode choice = chunk.path("choices").path(0);
      String piece = options.api() == Api.CHAT
          ? choice.path("delta").path("content").asString("")
          : choice.path("text").asString("");
      if (piece.isEmpty()) {
        continue;
      }
      if (first < 0) {
        first = now;
      } else {
        gaps.add(now - last);
      }
      last = now;
      events++;
    }
    if (end < 0) {
      return failed("incomplete_stream");
    }
    if (first < 0) {
      return failed("no_tokens");
    }
    int tokens = usageTokens >= 0 ? usageTokens : events;
    return new Sample(null, end - t0, first - t0, gaps, tokens);
  }

  /** Returns a short description of what it sends (never the API key). */
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "LoadGenerator[%s]", options);
  }

  static Map<String, Integer> countErrors(List<Sample> samples) {
    Map<String, Integer> m = new TreeMap<>();
    for (Sample s : samples) {
      if (s.error() != null) {
        m.merge(s.error(), 1, Integer::sum);
      }
    }
    return m;
  }
}
