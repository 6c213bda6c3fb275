package io.nemospawn.nvidia.nim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small OpenAI-compatible server on loopback that serves a {@link WordModel}: {@code GET
 * /v1/health/ready}, {@code GET /v1/models}, {@code POST /v1/completions} and {@code POST
 * /v1/chat/completions}, streaming (server-sent events) and not. Generation is real (the model
 * picks every word); the time it takes is set by {@link Options}: a delay before the first token
 * (reading the prompt) and one per later token (decoding), so a load test against it has a known
 * answer. {@link Options#workers} requests are served at once and the rest wait, as on a busy GPU.
 *
 * <p>It listens on 127.0.0.1 only and has no authentication, so nothing beyond this machine can
 * reach it. The demo agent serves its deployments with it, the tests benchmark it, and {@link
 * #main} runs it as a process (the stand-in container of the deploy tests).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class LocalModelServer implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int MAX_TOKENS = 4096;
  private static final int DEFAULT_MAX_TOKENS = 16;

  /**
   * How the server behaves.
   *
   * @param port the loopback port, 0 for any free one
   * @param modelName the model id it answers to (and lists)
   * @param firstTokenDelay time before the first token of every answer
   * @param tokenDelay time between later tokens
   * @param workers how many requests it serves at once (the rest queue)
   */
  public record Options(
      int port, String modelName, Duration firstTokenDelay, Duration tokenDelay, int workers) {
    /** Validates the parts. */
    public Options {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("Port must be 0..65535, got " + port);
      }
      Objects.requireNonNull(modelName, "modelName");
      if (modelName.isBlank() || !modelName.matches("[A-Za-z0-9._:/-]{1,128}")) {
        throw new IllegalArgumentException(
            "Invalid model name '" + modelName + "': use 1-128 letters, digits and . _ : / -");
      }
      if (firstTokenDelay.isNegative() || tokenDelay.isNegative()) {
        throw new IllegalArgumentException(
            "Token delays must be >= 0, got first " + firstTokenDelay + ", then " + tokenDelay);
      }
      if (workers < 1 || workers > 1024) {
        throw new IllegalArgumentException("Workers must be 1..1024, got " + workers);
      }
    }

    /** Any free port, model {@code nemospawn-demo}, no delays, 16 workers. */
    public static Options defaults() {
      return new Options(0, "nemospawn-demo", Duration.ZERO, Duration.ZERO, 16);
    }

    /** Returns a copy on the given port. */
    public Options withPort(int p) {
      return new Options(p, modelName, firstTokenDelay, tokenDelay, workers);
    }

    /** Returns a copy answering to the given model name. */
    public Options withModelName(String m) {
      return new Options(port, m, firstTokenDelay, tokenDelay, workers);
    }

    /** Returns a copy with the given delays. */
    public Options withDelays(Duration first, Duration perToken) {
      return new Options(port, modelName, first, perToken, workers);
    }

    /** Returns a copy serving the given number of requests at once. */
    public Options withWorkers(int w) {
      return new Options(port, modelName, firstTokenDelay, tokenDelay, w);
    }
  }

  private final WordModel model;
  private final Options options;
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicLong requests = new AtomicLong();
  private final long created = System.currentTimeMillis() / 1000;

  static {
    // The JDK's HttpServer leaves Nagle's algorithm on unless this is set before its first use:
    // a small answer then waits for the client's delayed ACK, about 40 ms a request on Linux,
    // which LoadGeneratorBenchmark measured (p50 48 ms for an answer with no delays; 8-13 ms
    // with it). Only set when the application has not chosen.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private LocalModelServer(WordModel model, Options options) throws IOException {
    this.model = model;
    this.options = options;
    this.server = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 256);
    this.executor = Executors.newFixedThreadPool(options.workers(), r -> {
      Thread t = new Thread(r, "local-model-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * Starts a server for the model; it listens until {@link #close}.
   *
   * @throws UncheckedIOException when the port cannot be bound (it names the port)
   */
  public static LocalModelServer start(WordModel model, Options options) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(options, "options");
    try {
      LocalModelServer s = new LocalModelServer(model, options);
      s.server.start();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot listen on 127.0.0.1:" + options.port() + ": " + e.getMessage()
              + "; choose another port (or 0 for any free one).",
          e);
    }
  }

  /** Returns the port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Returns its base URL, {@code http://127.0.0.1:PORT}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** Returns how many generation requests it has answered or is answering. */
  public long requestCount() {
    return requests.get();
  }

  /** Returns its options. */
  public Options options() {
    return options;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      switch (path) {
        case "/v1/health/ready", "/v1/health/live" -> {
          if (!method.equals("GET")) {
            error(ex, 405, "Use GET on " + path);
          } else {
            send(ex, 200, JSON.createObjectNode().put("status", "ready"));
          }
        }
        case "/v1/models" -> {
          if (!method.equals("GET")) {
            error(ex, 405, "Use GET on " + path);
            return;
          }
          ObjectNode root = JSON.createObjectNode().put("object", "list");
          root.putArray("data")
              .addObject()
              .put("id", options.modelName())
              .put("object", "model")
              .put("created", created)
              .put("owned_by", "nemospawn");
          send(ex, 200, root);
        }
        case "/v1/completions", "/v1/chat/completions" -> {
          if (!method.equals("POST")) {
            error(ex, 405, "Use POST on " + path);
            return;
          }
          generate(ex, path.equals("/v1/chat/completions"));
        }
        default -> error(ex, 404, "No route " + path);
      }
    } catch (IOException | RuntimeException e) {
      // The client went away (a load test that timed out); nothing to answer.
    }
  }

  private void generate(HttpExchange ex, boolean chat) throws IOException {
    JsonNode req;
    try {
      req = JSON.readTree(ex.getRequestBody().readAllBytes());
    } catch (JacksonException e) {
      error(ex, 400, "Malformed JSON body: " + e.getOriginalMessage());
      return;
    }
    if (req == null || !req.isObject()) {
      error(ex, 400, "The body must be a JSON object");
      return;
    }
    String m = req.path("model").asString("");
    if (!m.isEmpty() && !m.equals(options.modelName())) {
      error(
          ex,
          404,
          "The model '" + m + "' does not exist; this server serves '" + options.modelName() + "'");
      return;
    }
    String prompt;
    if (chat) {
      JsonNode msgs = req.path("messages");
      if (!msgs.isArray() || msgs.isEmpty()) {
        error(ex, 400, "'messages' must be a non-empty array");
        return;
      }
      StringBuilder b = new StringBuilder();
      for (JsonNode msg : msgs) {
        b.append(msg.path("content").asString("")).append(' ');
      }
      prompt = b.toString();
    } else {
      JsonNode p = req.path("prompt");
      if (!p.isString()) {
        error(ex, 400, "'prompt' must be a string");
        return;
      }
      prompt = p.asString();
    }
    JsonNode mt =
        req.has("max_completion_tokens") ? req.get("max_completion_tokens") : req.get("max_tokens");
    int maxTokens = DEFAULT_MAX_TOKENS;
    if (mt != null && !mt.isNull()) {
      if (!mt.canConvertToInt() || mt.asInt() < 1 || mt.asInt() > MAX_TOKENS) {
        error(ex, 400, "'max_tokens' must be an integer 1.." + MAX_TOKENS + ", got " + mt);
        return;
      }
      maxTokens = mt.asInt();
    }
    long n = requests.incrementAndGet();
    long seed = req.path("seed").canConvertToLong() ? req.path("seed").asLong() : n;
    List<String> words = model.generate(prompt, maxTokens, seed);
    int promptTokens = WordModel.tokens(prompt).size();
    String id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(n);
    boolean stream = req.path("stream").asBoolean(false);
    boolean usage = req.path("stream_options").path("include_usage").asBoolean(false);
    if (stream) {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream");
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      for (int i = 0; i < words.size(); i++) {
        sleep(i == 0 ? options.firstTokenDelay() : options.tokenDelay());
        String piece = (i == 0 ? "" : " ") + words.get(i);
        ObjectNode chunk = JSON.createObjectNode()
            .put("id", id)
            .put("object", chat ? "chat.completion.chunk" : "text_completion")
            .put("created", created)
            .put("model", options.modelName());
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        if (chat) {
          ObjectNode delta = choice.putObject("delta");
          if (i == 0) {
            delta.put("role", "assistant");
          }
          delta.put("content", piece);
        } else {
          choice.put("text", piece);
        }
        if (i == words.size() - 1) {
          choice.put("finish_reason", "length");
        } else {
          choice.putNull("finish_reason");
        }
        event(out, JSON.writeValueAsString(chunk));
      }
      if (usage) {
        ObjectNode u = JSON.createObjectNode()
            .put("id", id)
            .put("object", chat ? "chat.completion.chunk" : "text_completion")
            .put("created", created)
            .put("model", options.modelName());
        u.putArray("choices");
        usage(u, promptTokens, words.size());
        event(out, JSON.writeValueAsString(u));
      }
      event(out, "[DONE]");
      return;
    }
    for (int i = 0; i < words.size(); i++) {
      sleep(i == 0 ? options.firstTokenDelay() : options.tokenDelay());
    }
    String text = String.join(" ", words);
    ObjectNode root = JSON.createObjectNode()
        .put("id", id)
        .put("object", chat ? "chat.completion" : "text_completion")
        .put("created", created)
        .put("model", options.modelName());
    ArrayNode choices = root.putArray("choices");
    ObjectNode c = choices.addObject().put("index", 0);
    if (chat) {
      c.putObject("message").put("role", "assistant").put("content", text);
    } else {
      c.put("text", text);
    }
    c.put("finish_reason", "length");
    usage(root, promptTokens, words.size());
    send(ex, 200, root);
  }

  private static void usage(ObjectNode root, int prompt, int completion) {
    root.putObject("usage")
        .put("prompt_tokens", prompt)
        .put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void sleep(Duration d) {
    if (d.isZero()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void error(HttpExchange ex, int code, String message) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("error")
        .put("message", message)
        .put("type", code == 404 ? "not_found_error" : "invalid_request_error")
        .put("code", code);
    send(ex, code, root);
  }

  private static void send(HttpExchange ex, int code, JsonNode body) throws IOException {
    byte[] b = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, b.length);
    ex.getResponseBody().write(b);
  }

  /**
   * Runs a server as a process until it is stopped (SIGTERM) or its lifetime ends: {@code
   * [--model-file F] [--port P] [--model NAME] [--first-token-ms N] [--token-ms N] [--workers N]
   * [--lifetime PT30M]}. Without a model file it trains on the built-in corpus. It prints {@code
   * serving MODEL on URL} once it listens.
   */
  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args, System.out));
  }

  static int run(String[] args, PrintStream out) throws InterruptedException {
    Options o = Options.defaults();
    @Nullable Path modelFile = null;
    Duration lifetime = Duration.ofMinutes(30);
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("Option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--model-file" -> modelFile = Path.of(v);
          case "--port" -> o = o.withPort(Integer.parseInt(v));
          case "--model" -> o = o.withModelName(v);
          case "--first-token-ms" ->
            o = o.withDelays(Duration.ofMillis(Long.parseLong(v)), o.tokenDelay());
          case "--token-ms" ->
            o = o.withDelays(o.firstTokenDelay(), Duration.ofMillis(Long.parseLong(v)));
          case "--workers" -> o = o.withWorkers(Integer.parseInt(v));
          case "--lifetime" -> lifetime = Duration.parse(v);
          default -> throw new IllegalArgumentException("Unknown option " + a);
        }
      }
    } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
      out.println("local model server: " + e.getMessage());
      return 2;
    }
    WordModel m =
        modelFile == null ? WordModel.train(WordModel.builtInCorpus()) : WordModel.read(modelFile);
    try (LocalModelServer s = start(m, o)) {
      out.println("serving " + o.modelName() + " on " + s.baseUri());
      out.flush();
      Thread.sleep(lifetime.toMillis());
    }
    return 0;
  }
}
