package io.nemospawn.nvidia.nim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The load generator against real loopback servers with known delays. Tolerances: the server
 * sleeps at least the delays it is given, so a figure is never below the known value (the lower
 * bounds are tight); it may be far above by scheduling on a loaded 2-core CI machine, so the upper
 * bounds only catch a figure that is wrong by an order of magnitude (the known figures are 40-110
 * ms). Class loading and JIT are kept out by a warm-up run.
 */
class LoadGeneratorTest {
  private static final WordModel MODEL = WordModel.train(WordModel.builtInCorpus());

  /** A JDK HTTP server on a free loopback port with one route; closing it ends its handlers. */
  private record Loopback(HttpServer server, ExecutorService handlers) implements AutoCloseable {
    static Loopback serve(int threads, String path, HttpHandler handler) throws IOException {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      ExecutorService handlers = Executors.newFixedThreadPool(threads);
      server.setExecutor(handlers);
      server.createContext(path, handler);
      server.start();
      return new Loopback(server, handlers);
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
      handlers.shutdownNow();
    }
  }

  @Test
  void streamingFiguresMatchTheServersKnownDelays() throws Exception {
    // First token after 40 ms, then one every 10 ms: 8 tokens take 40 + 7 x 10 = 110 ms.
    try (LocalModelServer s = LocalModelServer.start(
        MODEL,
        LocalModelServer.Options.defaults()
            .withDelays(Duration.ofMillis(40), Duration.ofMillis(10)))) {
      warmUp(s);
      LoadReport r = new LoadGenerator(
              LoadGenerator.Options.of(s.baseUri().toString(), "nemospawn-demo")
                  .withConcurrency(List.of(1, 4))
                  .withRequests(16)
                  .withTokens(12, 8))
          .run(LoadGenerator.Progress.none());
      assertThat(r.anySucceeded()).isTrue();
      for (LoadReport.Level l : r.levels()) {
        assertThat(l.errors()).as("errors at %d", l.concurrency()).isEmpty();
        assertThat(l.succeeded()).isEqualTo(16);
        LoadReport.Figures f = l.figures();
        assertThat(f).isNotNull();
        assertThat(f.ttftP50()).as("TTFT p50 at %d", l.concurrency()).isBetween(40.0, 2000.0);
        assertThat(f.ttftP95()).isGreaterThanOrEqualTo(f.ttftP50());
        assertThat(f.itlP50()).as("inter-token p50").isBetween(9.0, 500.0);
        assertThat(f.latencyP50()).as("latency p50").isBetween(110.0, 5000.0);
        assertThat(f.latencyP99()).isGreaterThanOrEqualTo(f.latencyP95());
        assertThat(f.latencyP95()).isGreaterThanOrEqualTo(f.latencyP50());
        // tokens/s: at most concurrency x 8 tokens per 110 ms, as no request is faster; slower
        // under load by any amount.
        double expected = l.concurrency() * 8 / 0.110;
        assertThat(f.outputTokensPerSecond())
            .as("tokens/s at %d", l.concurrency())
            .isPositive()
            .isLessThanOrEqualTo(expected * 1.02);
        assertThat(f.requestsPerSecond() * 8)
            .isCloseTo(f.outputTokensPerSecond(), within(0.01 * f.outputTokensPerSecond()));
      }
      assertThat(s.requestCount()).isEqualTo(32 + 8);
    }
  }

  /** Runs 8 requests first, so class loading and JIT are not in the figures. */
  private static void warmUp(LocalModelServer s) throws InterruptedException {
    new LoadGenerator(LoadGenerator.Options.of(s.baseUri().toString(), "nemospawn-demo")
            .withConcurrency(List.of(2))
            .withRequests(8)
            .withTokens(4, 2))
        .run(LoadGenerator.Progress.none());
  }

  @Test
  void aBusyServerQueuesAndThroughputStopsGrowing() throws Exception {
    // One worker: at concurrency 4 requests wait for each other; throughput stays one at a time.
    try (LocalModelServer s = LocalModelServer.start(
        MODEL,
        LocalModelServer.Options.defaults()
            .withDelays(Duration.ofMillis(20), Duration.ofMillis(5))
            .withWorkers(1))) {
      warmUp(s);
      LoadReport r = new LoadGenerator(
              LoadGenerator.Options.of(s.baseUri().toString(), "nemospawn-demo")
                  .withConcurrency(List.of(1, 4))
                  .withRequests(12)
                  .withTokens(4, 5))
          .run(LoadGenerator.Progress.none());
      LoadReport.Figures one = r.levels().get(0).figures();
      LoadReport.Figures four = r.levels().get(1).figures();
      assertThat(one).isNotNull();
      assertThat(four).isNotNull();
      // 40 ms per request served one at a time: at most 25 requests/s whatever the concurrency.
      assertThat(four.requestsPerSecond()).isLessThanOrEqualTo(25.5);
      // served one at a time (above), so a request at 4 waits for others: about 4 x 40 ms against
      // 40; the margin leaves room for a level 1 slowed by a loaded machine.
      assertThat(four.latencyP50())
          .as("queued behind 3 others")
          .isGreaterThan(one.latencyP50() * 1.5);
    }
  }

  @Test
  void nonStreamingCompletionsHaveLatencyButNoTimeToFirstToken() throws Exception {
    try (LocalModelServer s = LocalModelServer.start(
        MODEL,
        LocalModelServer.Options.defaults()
            .withDelays(Duration.ofMillis(30), Duration.ofMillis(10)))) {
      LoadReport r = new LoadGenerator(
              LoadGenerator.Options.of(s.baseUri().toString(), "nemospawn-demo")
                  .withApi(LoadGenerator.Api.COMPLETIONS, false)
                  .withConcurrency(List.of(2))
                  .withRequests(8)
                  .withTokens(5, 6))
          .run(LoadGenerator.Progress.none());
      LoadReport.Figures f = r.levels().get(0).figures();
      assertThat(f).isNotNull();
      assertThat(f.latencyP50()).isBetween(80.0, 5000.0);
      assertThat(f.ttftP50()).isNaN();
      assertThat(r.toMap().toString()).doesNotContain("ttft").contains("latency_p50_ms");
      assertThat(f.outputTokensPerSecond()).isGreaterThan(0);
    }
  }

  @Test
  void whenNothingAnswersThereAreNoNumbers() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    LoadReport r = new LoadGenerator(LoadGenerator.Options.of("127.0.0.1:" + port, "m")
            .withConcurrency(List.of(1, 2))
            .withRequests(3)
            .withTimeout(Duration.ofSeconds(2)))
        .run(LoadGenerator.Progress.none());
    assertThat(r.anySucceeded()).isFalse();
    assertThat(r.failed()).isEqualTo(6);
    for (LoadReport.Level l : r.levels()) {
      assertThat(l.figures()).isNull();
      assertThat(l.errors()).containsEntry("connection_refused", 3);
    }
    assertThat(r.toMap().toString()).doesNotContain("latency").doesNotContain("tokens_per_s");
    assertThat(r.best(1e9)).isEmpty();
  }

  @Test
  void failuresAndTimeoutsAreCountedNotAveragedIn() throws Exception {
    // Every third request fails at once with 500, every third hangs far past the timeout (20 s
    // against 3 s, so that neither a slow 60 ms answer nor a hanging one can change sides on a
    // loaded machine), the rest answer after 60 ms: the latency figures are those of the 60 ms
    // answers only.
    AtomicInteger n = new AtomicInteger();
    try (Loopback server = Loopback.serve(8, "/v1/chat/completions", ex -> {
      try (ex) {
        ex.getRequestBody().readAllBytes();
        int i = n.getAndIncrement();
        if (i % 3 == 0) {
          ex.sendResponseHeaders(500, -1);
          return;
        }
        Thread.sleep(i % 3 == 1 ? 60 : 20_000);
        byte[] b =
            ("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a b c\"}}],"
                    + "\"usage\":{\"completion_tokens\":3}}")
                .getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      } catch (InterruptedException | IOException e) {
        // the client gave up: that is the timeout under test
      }
    })) {
      LoadReport r = new LoadGenerator(LoadGenerator.Options.of("127.0.0.1:" + server.port(), "m")
              .withApi(LoadGenerator.Api.CHAT, false)
              .withConcurrency(List.of(3))
              .withRequests(9)
              .withTimeout(Duration.ofSeconds(3)))
          .run(LoadGenerator.Progress.none());
      LoadReport.Level l = r.levels().get(0);
      assertThat(l.succeeded()).isEqualTo(3);
      assertThat(l.errors()).containsEntry("http_500", 3).containsEntry("timeout", 3);
      LoadReport.Figures f = l.figures();
      assertThat(f).isNotNull();
      // Averaged in, the instant 500s would pull the figures below 60 ms and the timeouts would
      // push them to 3 s; only the 60 ms answers count (plus scheduling on the shared VM).
      assertThat(f.latencyP50())
          .as("only the 60 ms answers")
          .isGreaterThanOrEqualTo(60.0)
          .isLessThan(3000.0);
      assertThat(f.latencyMean()).isGreaterThanOrEqualTo(60.0).isLessThan(3000.0);
      assertThat(f.latencyP99()).isLessThan(3000.0);
    } // closing ends the hanging answers' sleeps
  }

  @Test
  void aStreamIsReadToItsEndAfterDoneSoItsConnectionIsReusedAndItsLatencyEndsAtDone()
      throws Exception {
    // The server sends [DONE], then ends the chunked body 1.5 s later. Closing the answer at
    // [DONE] cancels it and drops its connection (three connections for three requests), and at
    // concurrency 4 about one request in 20,000 (measured: 8 in 150,000) then failed on a
    // kept-alive connection closed under it ("header parser received no bytes"). Read to its
    // end, one connection serves every request in turn, and the latency still ends at [DONE].
    java.util.Set<Integer> clientPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (Loopback server = Loopback.serve(2, "/v1/chat/completions", ex -> {
      try (ex) {
        ex.getRequestBody().readAllBytes();
        clientPorts.add(ex.getRemoteAddress().getPort());
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        java.io.OutputStream out = ex.getResponseBody();
        out.write(("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" b\"}}]}\n\n"
                + "data: [DONE]\n\n")
            .getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread.sleep(1500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    })) {
      long t0 = System.nanoTime();
      LoadReport r = new LoadGenerator(LoadGenerator.Options.of("127.0.0.1:" + server.port(), "m")
              .withConcurrency(List.of(1))
              .withRequests(3))
          .run(LoadGenerator.Progress.none());
      double wallMs = (System.nanoTime() - t0) / 1e6;
      LoadReport.Level l = r.levels().get(0);
      assertThat(l.errors()).isEmpty();
      assertThat(l.succeeded()).isEqualTo(3);
      assertThat(clientPorts).as("one kept-alive connection").hasSize(1);
      assertThat(wallMs).as("each request waited for the end of its body").isGreaterThan(4500.0);
      LoadReport.Figures f = l.figures();
      assertThat(f).isNotNull();
      // Each body ended 1.5 s after [DONE]; a latency measured to the end would be longer.
      assertThat(f.latencyP99()).as("measured to [DONE]").isLessThan(1500.0);
      assertThat(f.outputTokensPerSecond()).isPositive();
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aStreamThatStallsAfterItsHeadersIsClosedAtTheDeadlineAndCountedAsATimeout()
      throws Exception {
    // A raw loopback server: it sends the headers and one token, then neither sends nor closes.
    // Without the watchdog the worker would wait on the socket for as long as the server holds
    // it (until this test ends); with it the level ends at the 800 ms deadline plus scheduling.
    try (ServerSocket ss = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> {
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try {
          while (!ss.isClosed()) {
            java.net.Socket c = ss.accept();
            held.add(c);
            java.io.InputStream in = c.getInputStream();
            int matched = 0;
            String end = "\r\n\r\n";
            while (matched < 4) {
              int b = in.read();
              if (b < 0) {
                break;
              }
              matched = b == end.charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n";
            String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(event.length()) + "\r\n" + event + "\r\n";
            c.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
            c.getOutputStream().flush();
          }
        } catch (java.io.IOException e) {
          // the test closed the server socket
        } finally {
          held.forEach(c -> {
            try {
              c.close();
            } catch (java.io.IOException e) {
              // closing
            }
          });
        }
      });
      server.setDaemon(true);
      server.start();
      long t0 = System.nanoTime();
      LoadReport r = new LoadGenerator(
              LoadGenerator.Options.of("127.0.0.1:" + ss.getLocalPort(), "m")
                  .withConcurrency(List.of(1))
                  .withRequests(1)
                  .withTimeout(Duration.ofMillis(800)))
          .run(LoadGenerator.Progress.none());
      double seconds = (System.nanoTime() - t0) / 1e9;
      LoadReport.Level l = r.levels().get(0);
      assertThat(l.errors()).isEqualTo(java.util.Map.of("timeout", 1));
      assertThat(l.succeeded()).isZero();
      assertThat(l.figures()).as("a timeout has no figures").isNull();
      assertThat(seconds)
          .as("ended at the deadline, not when the socket failed")
          .isBetween(0.8, 15.0);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
  }

  @Test
  void percentilesAreNearestRank() {
    List<Double> v = List.of(5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0);
    assertThat(LoadReport.percentile(v, 50)).isEqualTo(5.0);
    assertThat(LoadReport.percentile(v, 95)).isEqualTo(10.0);
    assertThat(LoadReport.percentile(v, 10)).isEqualTo(1.0);
    assertThat(LoadReport.percentile(List.of(), 50)).isNaN();
  }

  @Test
  void endpointsAreParsedAndHostileOnesRefused() {
    assertThat(LoadGenerator.endpointUri("localhost:8000").toString())
        .isEqualTo("http://localhost:8000");
    assertThat(LoadGenerator.endpointUri("http://h:1/v1/chat/completions").toString())
        .isEqualTo("http://h:1");
    assertThat(LoadGenerator.endpointUri("https://h/v1/").toString()).isEqualTo("https://h");
    assertThatThrownBy(() -> LoadGenerator.endpointUri("http://user:secret@h:1"))
        .hasMessageContaining("credentials");
    assertThatThrownBy(() -> LoadGenerator.endpointUri("file:///etc/passwd"))
        .hasMessageContaining("scheme");
    assertThatThrownBy(() -> LoadGenerator.endpointUri("$(id)")).hasMessageContaining("$(id)");
    assertThatThrownBy(() -> LoadGenerator.Options.of("h:1", "m").withConcurrency(List.of(0)))
        .hasMessageContaining("Concurrency levels must be 1..4096, got 0");
    assertThat(LoadGenerator.Options.of("h:1", "m").withApiKey("s3cret").toString())
        .doesNotContain("s3cret");
  }

  @Test
  void theServerSpeaksTheProtocolAndRefusesBadRequests() throws Exception {
    try (LocalModelServer s = LocalModelServer.start(MODEL, LocalModelServer.Options.defaults())) {
      var c = java.net.http.HttpClient.newHttpClient();
      var ready = c.send(
          java.net.http.HttpRequest.newBuilder(s.baseUri().resolve("/v1/health/ready"))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      var models = c.send(
          java.net.http.HttpRequest.newBuilder(s.baseUri().resolve("/v1/models"))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(models.body()).contains("\"id\":\"nemospawn-demo\"");
      var bad = c.send(
          java.net.http.HttpRequest.newBuilder(s.baseUri().resolve("/v1/completions"))
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\": 1"))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("Malformed JSON");
      var ok = c.send(
          java.net.http.HttpRequest.newBuilder(s.baseUri().resolve("/v1/completions"))
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                  "{\"prompt\":\"the leader\",\"max_tokens\":5,\"seed\":7}"))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      String text = String.join(" ", MODEL.generate("the leader", 5, 7));
      assertThat(ok.body())
          .contains("\"text\":\"" + text + "\"")
          .contains("\"completion_tokens\":5");
    }
    // The model learned the corpus: its own sentences surprise it far less than the same words
    // in reverse order.
    String sentence =
        "the leader reads the reports, compares the checkpoints and promotes the best one.";
    List<String> reversed = new java.util.ArrayList<>(WordModel.tokens(sentence));
    java.util.Collections.reverse(reversed);
    assertThat(MODEL.perplexity(sentence))
        .isLessThan(MODEL.perplexity(String.join(" ", reversed)) * 0.6);
  }
}
