package io.nemospawn.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.state.AccessKeys;
import io.nemospawn.task.Task;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The board's HTTP API on loopback: headers, reads, guarded changes, SSE from the library. */
class BoardServerTest {
  @TempDir
  Path data;

  NemoSpawn ns;
  Team team;
  final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void setUp() {
    ns = NemoSpawn.open(data);
    team = ns.newTeam("web").create();
  }

  @AfterEach
  void tearDown() {
    team.close();
    ns.close();
  }

  BoardServer start(BoardOptions.Builder b) {
    return BoardServer.start(team, b.port(0).build());
  }

  HttpResponse<String> get(BoardServer b, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(b.uri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(BoardServer b, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(b.uri().resolve(path))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (headers.length > 0) {
      r.headers(headers);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void bindsLoopbackAndServesThePageWithStrictHeaders() throws Exception {
    try (BoardServer b = start(BoardOptions.builder())) {
      assertThat(b.address().getAddress().isLoopbackAddress()).isTrue();
      HttpResponse<String> page = get(b, "/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body())
          .contains("<script src=\"/app.js\" defer></script>")
          .doesNotContain("onload=");
      assertThat(page.headers().firstValue("Content-Security-Policy"))
          .hasValue(io.nemospawn.board.internal.BoardHttp.CSP);
      assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
      assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      assertThat(get(b, "/cost.js").statusCode()).isEqualTo(200);
      assertThat(get(b, "/app.js").headers().firstValue("Content-Type"))
          .hasValue("text/javascript; charset=utf-8");
      assertThat(get(b, "/nope").statusCode()).isEqualTo(404);
      // no asset builds markup from strings
      for (String asset : List.of("/app.js", "/charts.js", "/cost.js")) {
        assertThat(get(b, asset).body())
            .doesNotContain("innerHTML")
            .doesNotContain("outerHTML")
            .doesNotContain("insertAdjacentHTML")
            .doesNotContain("document.write")
            .doesNotContain("eval(");
      }
    }
  }

  @Test
  void refusesANonLoopbackBindWithoutAKey() {
    assertThatThrownBy(() -> BoardServer.start(
            team, BoardOptions.builder().host("0.0.0.0").port(0).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Refusing to serve the board on 0.0.0.0")
        .hasMessageContaining("access key");
    AccessKeys empty = AccessKeys.of(data);
    assertThatThrownBy(() -> BoardServer.start(
            team, BoardOptions.builder().host("0.0.0.0").keys(empty).port(0).build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(empty.file()).doesNotExist();
  }

  @Test
  void offLoopbackEveryReadNeedsTheKey() throws Exception {
    AccessKeys keys = AccessKeys.of(data);
    String key = keys.generate("test");
    try (BoardServer b = BoardServer.start(
        team, BoardOptions.builder().host("0.0.0.0").keys(keys).port(0).build())) {
      URI base = URI.create("http://127.0.0.1:" + b.address().getPort() + "/");
      HttpResponse<String> anon = http.send(
          HttpRequest.newBuilder(base.resolve("/api/board")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(anon.statusCode()).isEqualTo(401);
      assertThat(anon.body()).doesNotContain("\"tasks\"");
      HttpResponse<String> ok = http.send(
          HttpRequest.newBuilder(base.resolve("/api/board"))
              .header("Authorization", "Bearer " + key)
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("\"tasks\"");
    }
  }

  @Test
  void aForeignHostHeaderIsRefused() throws Exception {
    try (BoardServer b = start(BoardOptions.builder());
        Socket s = new Socket("127.0.0.1", b.address().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write("GET /api/board HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new BufferedReader(
              new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      assertThat(status).startsWith("HTTP/1.1 421");
    }
  }

  @Test
  void theBoardJsonCarriesTheTeam() throws Exception {
    Task a = team.tasks().create("train");
    team.tasks().create(io.nemospawn.task.TaskSpec.of("eval").after(a.id()));
    try (BoardServer b = start(BoardOptions.builder())) {
      String json = get(b, "/api/board").body();
      assertThat(json)
          .contains("\"title\":\"train\"")
          .contains("\"blockedBy\":[\"" + a.id() + "\"]")
          .contains("\"mode\":\"team\"");
    }
  }

  @Test
  void approvingAPlanNeedsAKey() throws Exception {
    Plan p = team.plans().submit(new PlanSpec("worker-1", "Use bf16", "", List.of("switch")));
    Path planFile;
    try (Stream<Path> files = Files.walk(team.dir())) {
      planFile = files
          .filter(f -> f.getFileName().toString().contains(p.id()))
          .findFirst()
          .orElseThrow();
    }
    byte[] before = Files.readAllBytes(planFile);
    // no keys at all: refused
    try (BoardServer b = start(BoardOptions.builder())) {
      HttpResponse<String> r = post(b, "/api/plans/" + p.id() + "/approve", "{}");
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("without access keys");
    }
    AccessKeys keys = AccessKeys.of(data);
    String key = keys.generate("test");
    try (BoardServer b = start(BoardOptions.builder().keys(keys))) {
      assertThat(post(b, "/api/plans/" + p.id() + "/approve", "{}").statusCode())
          .isEqualTo(401);
      assertThat(post(
                  b,
                  "/api/plans/" + p.id() + "/approve",
                  "{}",
                  "Authorization",
                  "Bearer wrong-" + key)
              .statusCode())
          .isEqualTo(401);
      assertThat(Files.readAllBytes(planFile)).isEqualTo(before);
      assertThat(team.plans().get(p.id()).status()).isEqualTo(PlanStatus.PENDING);
      HttpResponse<String> ok = post(
          b,
          "/api/plans/" + p.id() + "/approve",
          "{\"comment\":\"fine\"}",
          "Authorization",
          "Bearer " + key);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      Plan after = team.plans().get(p.id());
      assertThat(after.status()).isEqualTo(PlanStatus.APPROVED);
      assertThat(after.reviewComment()).isEqualTo("fine");
      HttpResponse<String> unknown =
          post(b, "/api/plans/nope/approve", "{}", "Authorization", "Bearer " + key);
      assertThat(unknown.statusCode()).isIn(400, 404);
      HttpResponse<String> hostile =
          post(b, "/api/plans/..%2F..%2Fteam/approve", "{}", "Authorization", "Bearer " + key);
      assertThat(hostile.statusCode()).isIn(400, 404);
    }
  }

  @Test
  void aSessionCookieNeedsTheCsrfTokenAndTheSameOrigin() throws Exception {
    team.agents().register(io.nemospawn.AgentSpec.builder("worker-1").build());
    Plan p = team.plans().submit(new PlanSpec("worker-1", "Use bf16", "", List.of()));
    AccessKeys keys = AccessKeys.of(data);
    String key = keys.generate("test");
    try (BoardServer b = start(BoardOptions.builder().keys(keys))) {
      String origin = "http://127.0.0.1:" + b.address().getPort();
      assertThat(post(b, "/api/login", "{\"key\":\"nope\"}").statusCode()).isEqualTo(401);
      HttpResponse<String> login =
          post(b, "/api/login", "{\"key\":\"" + key + "\"}", "Origin", origin);
      assertThat(login.statusCode()).isEqualTo(200);
      String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").doesNotContain(key);
      String session = cookie.substring(0, cookie.indexOf(';'));
      String csrf = login.body().replaceAll(".*\"csrf\":\"([^\"]+)\".*", "$1");
      String path = "/api/plans/" + p.id() + "/reject";
      assertThat(post(b, path, "{}", "Cookie", session, "Origin", origin).statusCode())
          .isEqualTo(403);
      assertThat(post(
                  b,
                  path,
                  "{}",
                  "Cookie",
                  session,
                  "Origin",
                  "http://evil.example",
                  "X-CSRF-Token",
                  csrf)
              .statusCode())
          .isEqualTo(403);
      assertThat(post(b, path, "{}", "Cookie", session, "X-CSRF-Token", csrf).statusCode())
          .isEqualTo(403);
      assertThat(
              post(b, path, "{}", "Cookie", session, "Origin", origin, "X-CSRF-Token", csrf + "x")
                  .statusCode())
          .isEqualTo(403);
      assertThat(team.plans().get(p.id()).status()).isEqualTo(PlanStatus.PENDING);
      HttpResponse<String> ok =
          post(b, path, "{}", "Cookie", session, "Origin", origin, "X-CSRF-Token", csrf);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(team.plans().get(p.id()).status()).isEqualTo(PlanStatus.REJECTED);
      // messages through the same guard
      HttpResponse<String> msg = post(
          b,
          "/api/messages",
          "{\"to\":\"worker-1\",\"body\":\"hi <b>\"}",
          "Cookie",
          session,
          "Origin",
          origin,
          "X-CSRF-Token",
          csrf);
      assertThat(msg.statusCode()).as(msg.body()).isEqualTo(200);
      assertThat(team.inbox().peek("worker-1")).extracting(m -> m.body()).containsExactly("hi <b>");
    }
  }

  @Test
  void aTaskCompletedThroughTheLibraryReachesTheStream() throws Exception {
    Task t = team.tasks().create("train");
    try (BoardServer b = start(BoardOptions.builder());
        Socket s = new Socket("127.0.0.1", b.address().getPort())) {
      // the timeouts only catch a lost event; the time it took is printed below
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + b.address().getPort() + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
      String line;
      while (!(line = in.readLine()).contains(": connected")) {
        assertThat(line).isNotNull();
      }
      long start = System.nanoTime();
      CompletableFuture.runAsync(() -> team.tasks().complete(t.id()));
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")
            && line.contains("\"id\":\"" + t.id() + "\"")
            && line.contains("\"state\":\"done\"")) {
          break;
        }
      }
      assertThat(line).isNotNull();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.println("the done event reached the stream after " + ms + " ms");
      assertThat(ms).isLessThan(20_000);
      assertThat(b.clients()).isEqualTo(1);
    }
  }

  static CostView costs(String usd, List<CostView.Limit> budget) {
    return new CostView(
        java.time.Instant.parse("2026-12-03T09:00:00Z"),
        java.time.Instant.parse("2026-12-03T10:00:00Z"),
        new BigDecimal("5"),
        new BigDecimal(usd),
        new BigDecimal("2"),
        1_500_000L,
        0L,
        List.of(new CostView.Agent(
            "w1-abc",
            "w1",
            new BigDecimal("2"),
            new BigDecimal("5"),
            1_500_000L,
            new BigDecimal(usd))),
        budget);
  }

  @Test
  void theCostPanelShowsTheSourceAndPushesEachChangeOnce() throws Exception {
    AtomicReference<Object> next = new AtomicReference<>(costs(
        "1.25", List.of(new CostView.Limit("usd", new BigDecimal("6.25"), new BigDecimal("10")))));
    AtomicInteger reads = new AtomicInteger();
    CostSource source = () -> {
      reads.incrementAndGet();
      if (next.get() instanceof CostView v) {
        return v;
      }
      throw new IllegalStateException((String) next.get());
    };
    try (BoardServer b =
            start(BoardOptions.builder().cost(source).gpuInterval(Duration.ofMillis(100)));
        Socket s = new Socket("127.0.0.1", b.address().getPort())) {
      // the source counts a read before the panel stores it: wait for the page to show it
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String json = get(b, "/api/board").body();
      while (!json.contains("\"totalUsd\":\"6.25\"") && System.nanoTime() < deadline) {
        Thread.sleep(20);
        json = get(b, "/api/board").body();
      }
      assertThat(json)
          .contains("\"cost\":{\"view\":{")
          .contains("\"totalUsd\":\"6.25\"", "\"gpuUsd\":\"5.00\"", "\"tokenUsd\":\"1.25\"")
          .contains("\"gpuHours\":\"2.000\"", "\"tokens\":1500000")
          .contains("{\"kind\":\"usd\",\"used\":\"6.25\",\"limit\":\"10\",\"fraction\":0.625}")
          .contains("\"error\":null");

      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + b.address().getPort() + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while (!(line = in.readLine()).contains(": connected")) {
        assertThat(line).isNotNull();
      }
      // an unchanged reading is not sent again; a changed one is, once
      int before = reads.get();
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (reads.get() < before + 3 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(reads.get()).as("unchanged readings").isGreaterThanOrEqualTo(before + 3);
      next.set(costs("3.75", List.of()));
      String event = null;
      while ((line = in.readLine()) != null) {
        if (line.equals("event: cost")) {
          event = in.readLine();
          break;
        }
      }
      assertThat(event).startsWith("data: ").contains("\"totalUsd\":\"8.75\"", "\"budget\":[]");
      // a failing read keeps the last reading and says why, as text
      next.set("costs/cost_record.json: <b>malformed</b>");
      while ((line = in.readLine()) != null) {
        if (line.equals("event: cost")) {
          event = in.readLine();
          break;
        }
      }
      assertThat(event)
          .contains("\"totalUsd\":\"8.75\"")
          .contains(
              "\"error\":\"Cannot read the team's costs: costs/cost_record.json: <b>malformed</b>\"");
    }
  }

  @Test
  void withoutACostSourceTheBoardHasNoCostPanel() throws Exception {
    try (BoardServer b = start(BoardOptions.builder())) {
      assertThat(get(b, "/api/board").body()).contains("\"cost\":null");
    }
  }

  @Test
  void keysAreStoredHashedInAnOwnerOnlyFile() throws Exception {
    AccessKeys keys = AccessKeys.of(data);
    assertThat(keys.hasKeys()).isFalse();
    String k = keys.generateIfEmpty().orElseThrow();
    assertThat(keys.generateIfEmpty()).isEmpty();
    assertThat(k).hasSize(43);
    assertThat(Files.readString(keys.file())).doesNotContain(k).contains("\"hash\"");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.file())))
        .isEqualTo("rw-------");
    assertThat(keys.verify(k)).isTrue();
    assertThat(keys.verify(k + "x")).isFalse();
    assertThatThrownBy(() -> keys.add("short", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 32");
    assertThatThrownBy(() -> keys.add("a".repeat(40) + "\n" + "b", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    String mine = "m".repeat(20) + "-my-own-key-0123456789";
    keys.add(mine, "mine");
    assertThat(keys.verify(mine)).isTrue();
    assertThat(keys.list()).extracting(m -> m.get("label")).containsExactly("generated", "mine");
    Files.writeString(keys.file(), "{not json");
    assertThatThrownBy(() -> keys.verify(k))
        .isInstanceOf(io.nemospawn.StateException.class)
        .hasMessageContaining(keys.file().toString());
    assertThat(Files.readString(keys.file())).isEqualTo("{not json");
  }
}
