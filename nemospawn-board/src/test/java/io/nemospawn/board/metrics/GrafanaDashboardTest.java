package io.nemospawn.board.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The upload against a local HTTP server that checks the request as Grafana would. */
class GrafanaDashboardTest {
  static final JsonMapper MAPPER = JsonMapper.builder().build();
  static final String KEY = "glsa_TestKey_0123456789";

  record Request(String method, String path, String auth, String contentType, String body) {}

  final List<Request> requests = new CopyOnWriteArrayList<>();
  HttpServer server;

  /** A Grafana stand-in: 200 with Grafana's answer for the right key, else 401 as Grafana. */
  URI grafana(String prefix) throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.createContext("/", x -> {
      String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(new Request(
          x.getRequestMethod(),
          x.getRequestURI().getPath(),
          x.getRequestHeaders().getFirst("Authorization"),
          x.getRequestHeaders().getFirst("Content-Type"),
          body));
      String answer;
      int code;
      if (!("Bearer " + KEY).equals(x.getRequestHeaders().getFirst("Authorization"))) {
        code = 401;
        answer = "{\"message\":\"invalid API key\"}";
      } else if (!x.getRequestURI().getPath().equals(prefix + "/api/dashboards/db")) {
        code = 404;
        answer = "{\"message\":\"Not found\"}";
      } else {
        String uid = MAPPER.readTree(body).path("dashboard").path("uid").asString();
        code = 200;
        answer = "{\"id\":7,\"uid\":\"" + uid + "\",\"url\":\"/d/" + uid
            + "/nemospawn\",\"status\":\"success\",\"version\":1}";
      }
      byte[] b = answer.getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().set("Content-Type", "application/json");
      x.sendResponseHeaders(code, b.length);
      x.getResponseBody().write(b);
      x.close();
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + prefix);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void uploadsTheTeamsDashboardWithTheKeyAsBearerAndOverwrite() throws Exception {
    URI url = grafana("");
    GrafanaDashboard.Upload u =
        GrafanaDashboard.upload(url, KEY, "sweep-1a2b3c4d", Duration.ofSeconds(10));

    assertThat(requests).hasSize(1);
    Request r = requests.get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/api/dashboards/db");
    assertThat(r.auth()).isEqualTo("Bearer " + KEY);
    assertThat(r.contentType()).isEqualTo("application/json");
    JsonNode body = MAPPER.readTree(r.body());
    assertThat(body.path("overwrite").asBoolean()).isTrue();
    JsonNode d = body.path("dashboard");
    assertThat(d.path("uid").asString()).matches("nemospawn-[0-9a-f]{12}");
    assertThat(d.path("title").asString()).isEqualTo("NemoSpawn sweep-1a2b3c4d");
    assertThat(d.path("id").isNull()).isTrue();
    List<String> vars = new ArrayList<>();
    for (JsonNode v : d.path("templating").path("list")) {
      vars.add(v.path("name").asString() + ":" + v.path("type").asString());
      if (v.path("name").asString().equals("team")) {
        assertThat(v.path("current").path("value").asString()).isEqualTo("sweep-1a2b3c4d");
      }
    }
    assertThat(vars).containsExactly("datasource:datasource", "team:query");
    for (JsonNode p : d.path("panels")) {
      assertThat(p.path("datasource").path("uid").asString()).isEqualTo("${datasource}");
    }
    assertThat(u.uid()).isEqualTo(d.path("uid").asString());
    assertThat(u.url()).startsWith("/d/nemospawn-");
    assertThat(u.httpStatus()).isEqualTo(200);
  }

  @Test
  void aGrafanaUnderASubPathGetsTheApiUnderThatPath() throws Exception {
    URI url = grafana("/grafana");
    GrafanaDashboard.upload(url, KEY, "t-1", Duration.ofSeconds(10));
    assertThat(requests.get(0).path()).isEqualTo("/grafana/api/dashboards/db");
  }

  @Test
  void aRefusedKeyIsReportedWithGrafanasReasonAndWithoutTheKey() throws Exception {
    URI url = grafana("");
    assertThatThrownBy(
            () -> GrafanaDashboard.upload(url, "wrong-key-xyz", "t-1", Duration.ofSeconds(10)))
        .isInstanceOf(GrafanaException.class)
        .hasMessage("Grafana at " + url + " refused the API key (HTTP 401: invalid API key); give"
            + " a key or service account token with permission to write dashboards")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-key-xyz"));
  }

  @Test
  void anUnreachableGrafanaIsReportedWithTheUrl() throws Exception {
    int port = PrometheusIT.freePort();
    URI url = URI.create("http://127.0.0.1:" + port);
    assertThatThrownBy(() -> GrafanaDashboard.upload(url, KEY, "t-1", Duration.ofSeconds(5)))
        .isInstanceOf(GrafanaException.class)
        .hasMessage("Cannot reach Grafana at " + url
            + ": connection refused (is Grafana running, and is the URL right?)");
  }

  @Test
  void aBadUrlIsRefusedBeforeAnythingIsSent() {
    for (String bad : List.of("ftp://x", "grafana:3000", "http://", "http://h/?q=1", "not a url")) {
      assertThatThrownBy(() -> GrafanaDashboard.parseUrl(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Grafana URL '" + bad + "' ");
    }
    assertThat(GrafanaDashboard.endpoint(GrafanaDashboard.parseUrl("https://g.example/x/")))
        .isEqualTo(URI.create("https://g.example/x/api/dashboards/db"));
  }

  @Test
  void theRepositoryCopyUnderDeployIsTheShippedDashboard() throws Exception {
    Path copy = Path.of("..", "deploy", "grafana", "nemospawn-dashboard.json");
    assertThat(Files.readString(copy)).isEqualTo(GrafanaDashboard.json());
  }
}
