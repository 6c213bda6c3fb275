package io.nemospawn.board;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import io.nemospawn.state.AccessKeys;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web console's bridge at the HTTP level, with no browser: a real control plane with mock
 * swarms on loopback, the console in front of it, and plain HTTP clients.
 */
class WebBridgeTest {
  static final JsonMapper MAPPER = JsonMapper.builder().build();

  @TempDir
  Path data;

  String key;
  NemoSpawn ns;
  ControlPlanes.Served served;
  WebConsole web;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    key = ControlPlane.ensureKey(data).orElseThrow();
    ns = NemoSpawn.open(data);
    served =
        ControlPlanes.serve(ns, ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0));
    web = WebConsole.start(served.server().url(), key, AccessKeys.of(data), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    terminateAll(served.server().url(), key);
    web.close();
    served.close();
    ns.close();
  }

  /** Stops every swarm's agent processes (they write into the temporary directory). */
  static void terminateAll(URI url, String key) {
    try (io.nemospawn.server.codeswarm.RouterClient c =
        io.nemospawn.server.codeswarm.RouterClient.connect(url, key)) {
      JsonNode list = c.call(
          "swarm_list",
          io.nemospawn.server.codeswarm.RouterClient.payload(),
          "swarm_list",
          Duration.ofSeconds(10));
      for (var e : list.path("swarms").properties()) {
        if (e.getValue().path("status").asString().equals("terminated")) {
          continue;
        }
        tools.jackson.databind.node.ObjectNode p =
            io.nemospawn.server.codeswarm.RouterClient.payload().put("swarm_id", e.getKey());
        p.putObject("terminate_params")
            .put("force", true)
            .put("download_workspaces_on_shutdown", false);
        c.send("swarm_terminate", p);
        c.await(
            n -> n.path("event").asString().equals("swarm_terminated")
                && n.path("data").path("swarm_id").asString().equals(e.getKey()),
            Duration.ofSeconds(30));
      }
    }
  }

  HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(web.uri().resolve(path))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode command(String command, String payload) throws Exception {
    HttpResponse<String> r = post(
        "/api/web/command",
        "{\"command\":\"" + command + "\",\"payload\":" + payload + "}",
        "Authorization",
        "Bearer " + key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return MAPPER.readTree(r.body());
  }

  /** Reads the SSE stream from {@code since} (or Last-Event-ID) until {@code until} holds. */
  List<JsonNode> stream(
      long since, String lastEventId, java.util.function.Predicate<List<JsonNode>> until)
      throws Exception {
    HttpURLConnection c = (HttpURLConnection)
        web.uri().resolve("/api/web/events?since=" + since).toURL().openConnection();
    if (lastEventId != null) {
      c.setRequestProperty("Last-Event-ID", lastEventId);
    }
    c.setReadTimeout(30_000);
    List<JsonNode> out = new ArrayList<>();
    long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
      String id = null;
      String line;
      while (System.nanoTime() < end && (line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          JsonNode e = MAPPER.readTree(line.substring(6));
          assertThat(e.path("seq").asString()).isEqualTo(id);
          out.add(e);
          if (until.test(out)) {
            break;
          }
        }
      }
    } finally {
      c.disconnect();
    }
    return out;
  }

  static long count(List<JsonNode> events, String name) {
    return events.stream().filter(e -> e.path("event").asString().equals(name)).count();
  }

  @Test
  void launchTalkAndResumeTheStreamWithoutLossOrDuplicates() throws Exception {
    JsonNode launch = command("swarm_launch", "{\"provider\":\"mock\",\"nodes\":3}");
    assertThat(launch.path("event").asString()).isEqualTo("swarm_launch_progress");
    AtomicReference<String> swarm = new AtomicReference<>();
    List<JsonNode> first = stream(0, null, es -> count(es, "swarm_launched") == 1);
    first.stream()
        .filter(e -> e.path("event").asString().equals("swarm_launched"))
        .forEach(e -> swarm.set(e.path("data").path("swarm_id").asString()));
    assertThat(first)
        .extracting(e -> e.path("data").path("stage").asString(""))
        .contains("queued", "ready");

    JsonNode all = command(
        "route_prompt", "{\"swarm_id\":\"" + swarm.get() + "\",\"text\":\"/all hello <b>x</b>\"}");
    assertThat(all.path("event").asString()).isEqualTo("route_submitted");
    assertThat(all.path("data").path("injection_ids").size()).isEqualTo(3);
    command(
        "route_prompt", "{\"swarm_id\":\"" + swarm.get() + "\",\"text\":\"/node[1] only one\"}");
    List<JsonNode> talk = stream(0, null, es -> count(es, "task_complete") == 4);
    assertThat(talk)
        .filteredOn(e -> e.path("event").asString().equals("assistant"))
        .extracting(e -> e.path("data").path("node_id").asInt() + ":"
            + e.path("data").path("content").asString())
        .containsExactlyInAnyOrder(
            "0:mock: hello <b>x</b>",
            "1:mock: hello <b>x</b>",
            "2:mock: hello <b>x</b>",
            "1:mock: only one");
    List<Long> seqs = talk.stream().map(e -> e.path("seq").asLong()).toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    assertThat(seqs.get(0)).isEqualTo(1);
    assertThat(seqs.get(seqs.size() - 1) - seqs.get(0) + 1).isEqualTo(seqs.size());

    // a dropped connection resumes after its Last-Event-ID: the rest, each once
    long cut = seqs.get(seqs.size() / 2);
    List<JsonNode> rest = stream(
        0,
        String.valueOf(cut),
        es -> es.get(es.size() - 1).path("seq").asLong() >= seqs.get(seqs.size() - 1));
    assertThat(rest.get(0).path("seq").asLong()).isEqualTo(cut + 1);
    assertThat(rest.stream().map(e -> e.path("seq").asLong()).toList())
        .doesNotHaveDuplicates()
        .isSorted();
  }

  @Test
  void approvalsAreDecidedOnceAndAuditedAsThePerson() throws Exception {
    command("swarm_launch", "{\"provider\":\"mock\",\"nodes\":1}");
    String swarm = stream(0, null, es -> count(es, "swarm_launched") == 1).stream()
        .filter(e -> e.path("event").asString().equals("swarm_launched"))
        .findFirst()
        .orElseThrow()
        .path("data")
        .path("swarm_id")
        .asString();
    command("route_prompt", "{\"swarm_id\":\"" + swarm + "\",\"text\":\"RUN: make test\"}");
    JsonNode ask = stream(0, null, es -> count(es, "exec_approval_required") == 1).stream()
        .filter(e -> e.path("event").asString().equals("exec_approval_required"))
        .findFirst()
        .orElseThrow()
        .path("data");
    String payload = "{\"job_id\":\"" + ask.path("job_id").asString() + "\",\"call_id\":\""
        + ask.path("call_id").asString() + "\",\"node_id\":0,\"approved\":false}";
    assertThat(command("approve_execution", payload).path("event").asString())
        .isEqualTo("exec_approval_submitted");
    assertThat(command("approve_execution", payload)
            .path("data")
            .path("idempotent")
            .asBoolean())
        .isTrue();
    assertThat(java.nio.file.Files.readString(data.resolve("audit.jsonl")))
        .contains(ask.path("call_id").asString());
  }

  @Test
  void changesNeedAKeyTheCsrfTokenAndTheSameOriginAndUnknownCommandsAreRefused() throws Exception {
    String body = "{\"command\":\"swarm_launch\",\"payload\":{\"provider\":\"mock\",\"nodes\":1}}";
    assertThat(post("/api/web/command", body).statusCode()).isEqualTo(401);
    assertThat(post("/api/web/command", body, "Authorization", "Bearer wrong").statusCode())
        .isEqualTo(401);
    HttpResponse<String> login = post("/api/login", "{\"key\":\"" + key + "\"}");
    assertThat(login.statusCode()).isEqualTo(200);
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    assertThat(login.headers().firstValue("Set-Cookie").orElseThrow())
        .contains("HttpOnly", "SameSite=Strict");
    String csrf = MAPPER.readTree(login.body()).path("csrf").asString();
    String origin = "http://127.0.0.1:" + web.address().getPort();
    assertThat(
            post("/api/web/command", body, "Cookie", cookie, "Origin", origin).statusCode())
        .isEqualTo(403);
    assertThat(post(
                "/api/web/command",
                body,
                "Cookie",
                cookie,
                "Origin",
                "http://evil.example",
                "X-CSRF-Token",
                csrf)
            .statusCode())
        .isEqualTo(403);
    assertThat(
            post("/api/web/command", body, "Cookie", cookie, "Origin", origin, "X-CSRF-Token", csrf)
                .statusCode())
        .isEqualTo(200);
    HttpResponse<String> other = post(
        "/api/web/command",
        "{\"command\":\"teams.delete\",\"payload\":{}}",
        "Authorization",
        "Bearer " + key);
    assertThat(other.statusCode()).isEqualTo(400);
    assertThat(other.body()).contains("does not send 'teams.delete'");
    HttpResponse<String> bad = post(
        "/api/web/command",
        "{\"command\":\"inject\",\"payload\":{\"swarm_id\":\"$(id)\",\"content\":\"x\"}}",
        "Authorization",
        "Bearer " + key);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("$(id)");
    HttpResponse<String> route = post(
        "/api/web/command",
        "{\"command\":\"route_prompt\",\"payload\":{\"text\":\"/node[2-1] x\"}}",
        "Authorization",
        "Bearer " + key);
    assertThat(route.body()).contains("runs backwards");
    try (java.net.Socket sock = new java.net.Socket("127.0.0.1", web.address().getPort())) {
      sock.getOutputStream()
          .write(
              ("GET /api/session HTTP/1.1\r\nHost: evil.example\r\n" + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String status = new BufferedReader(
              new InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      assertThat(status).contains("421");
    }
  }

  @Test
  void thePageBuildsNoMarkupFromTextAndCarriesTheBoardsHeaders() throws Exception {
    for (String asset : List.of("web.js", "web.html")) {
      try (var in = WebConsole.class.getResourceAsStream("/io/nemospawn/board/console/" + asset)) {
        String src = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(src)
            .doesNotContain(
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function");
      }
    }
    HttpResponse<String> page =
        http.send(HttpRequest.newBuilder(web.uri()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'", "default-src 'none'");
    assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
  }

  @Test
  void autoRoutingSendsDirectivesInAnAnswerToTheNamedTeamOnlyWhenEnabled() throws Exception {
    command("swarm_launch", "{\"provider\":\"mock\",\"nodes\":1}");
    command("swarm_launch", "{\"provider\":\"mock\",\"nodes\":1}");
    List<String> ids = stream(0, null, es -> count(es, "swarm_launched") == 2).stream()
        .filter(e -> e.path("event").asString().equals("swarm_launched"))
        .map(e -> e.path("data").path("swarm_id").asString())
        .toList();
    String a = ids.get(0);
    String b = ids.get(1);
    command("swarm_alias_set", "{\"alias\":\"bee\",\"swarm_id\":\"" + b + "\"}");
    String text = MAPPER.writeValueAsString("look\n/swarm[bee]/all relay this");
    // off: the answer is not routed
    command("route_prompt", "{\"swarm_id\":\"" + a + "\",\"text\":" + text + "}");
    stream(0, null, es -> count(es, "task_complete") == 1);
    command("auto_route_set", "{\"swarm_id\":\"" + a + "\",\"enabled\":true}");
    command("route_prompt", "{\"swarm_id\":\"" + a + "\",\"text\":" + text + "}");
    List<JsonNode> es = stream(0, null, x -> count(x, "task_complete") == 3);
    assertThat(es)
        .filteredOn(e -> e.path("event").asString().equals("auto_route_submitted"))
        .hasSize(1)
        .first()
        .satisfies(e -> {
          assertThat(e.path("data").path("target_swarm_id").asString()).isEqualTo(b);
          assertThat(e.path("data").path("hops").asInt()).isEqualTo(1);
        });
    assertThat(es)
        .filteredOn(e -> e.path("event").asString().equals("assistant")
            && e.path("data").path("swarm_id").asString().equals(b))
        .extracting(e -> e.path("data").path("content").asString())
        .containsExactly("mock: relay this");
  }

  @Test
  void replyPromptsBringTheAnswerBackToTheAgentOrThePersonThatAsked() throws Exception {
    command("swarm_launch", "{\"provider\":\"mock\",\"nodes\":1}");
    command("swarm_launch", "{\"provider\":\"mock\",\"nodes\":1}");
    List<String> ids = stream(0, null, es -> count(es, "swarm_launched") == 2).stream()
        .filter(e -> e.path("event").asString().equals("swarm_launched"))
        .map(e -> e.path("data").path("swarm_id").asString())
        .toList();
    String a = ids.get(0);
    String b = ids.get(1);
    command("swarm_alias_set", "{\"alias\":\"bee\",\"swarm_id\":\"" + b + "\"}");
    // a person asks bee from a's prompt box: the answer comes back as an event with its text
    command("route_prompt", "{\"swarm_id\":\"" + a + "\",\"text\":\"/swarm[bee]/all/reply q1\"}");
    JsonNode person = stream(0, null, es -> count(es, "auto_reply_submitted") == 1).stream()
        .filter(e -> e.path("event").asString().equals("auto_reply_submitted"))
        .findFirst()
        .orElseThrow()
        .path("data");
    assertThat(person.path("kind").asString()).isEqualTo("person");
    assertThat(person.path("source_swarm_id").asString()).isEqualTo(a);
    assertThat(person.path("content").asString())
        .startsWith("[Reply from /swarm[bee]/node[0] for request ")
        .endsWith("]\nmock: q1");
    // an agent of a asks bee (auto-routed from its answer): the answer is injected into it
    command("auto_route_set", "{\"swarm_id\":\"" + a + "\",\"enabled\":true}");
    String text = MAPPER.writeValueAsString("ask\n/swarm[bee]/all/reply q2");
    command("route_prompt", "{\"swarm_id\":\"" + a + "\",\"text\":" + text + "}");
    List<JsonNode> es = stream(
        0,
        null,
        x -> count(x, "auto_reply_submitted") == 2
            && x.stream()
                .anyMatch(e -> e.path("event").asString().equals("assistant")
                    && e.path("data").path("swarm_id").asString().equals(a)
                    && e.path("data").path("content").asString().contains("[Reply from")));
    JsonNode agent = es.stream()
        .filter(e -> e.path("event").asString().equals("auto_reply_submitted"))
        .skip(1)
        .findFirst()
        .orElseThrow()
        .path("data");
    assertThat(agent.path("kind").asString()).isEqualTo("inject");
    assertThat(agent.path("source_node_id").asInt()).isZero();
    assertThat(es)
        .filteredOn(e -> e.path("event").asString().equals("assistant")
            && e.path("data").path("swarm_id").asString().equals(a))
        .extracting(e -> e.path("data").path("content").asString())
        .anySatisfy(c -> assertThat(c)
            .startsWith("mock: [Reply from /swarm[bee]/node[0]")
            .endsWith("]\nmock: q2"));
    // no sender, no reply: refused with the reason
    HttpResponse<String> refused = post(
        "/api/web/command",
        "{\"command\":\"route_prompt\",\"payload\":{\"text\":\"/swarm[bee]/all/reply x\"}}",
        "Authorization",
        "Bearer " + key);
    assertThat(refused.body()).contains("/reply needs a sender");
  }
}
