package io.nemospawn.board.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The exporter against the real Prometheus tools (Debian's {@code prometheus} package, installed
 * by scripts/install-deps.sh): {@code promtool check metrics} on a scrape, and a Prometheus server
 * on a free loopback port that scrapes the exporter every second and answers queries.
 */
class PrometheusIT {
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final JsonMapper MAPPER = JsonMapper.builder().build();

  @TempDir
  Path dir;

  final HttpClient http = HttpClient.newHttpClient();
  NemoSpawn ns;
  Team team;
  MetricsExporter exporter;
  Process prometheus;

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL),
        "Prometheus is not installed: apt-get install -y prometheus (scripts/install-deps.sh)");
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    team = ns.newTeam("prom").gpus(0, 1).create();
    try (Study s = Hpo.create(
        dir.resolve("data"),
        "sweep",
        HpoConfig.of(SearchSpace.builder().floatParam("lr", 0.0, 1.0).build()))) {
      Trial t = s.ask();
      s.tell(t, 0.125);
    }
    team.tasks()
        .create(TaskSpec.of("trial 0")
            .withMetadata(Hpo.TASK_STUDY_KEY, "sweep")
            .withMetadata(Hpo.TASK_TRIAL_KEY, 0));
    String w1 = team.agents().register("w1", "worker", List.of(0), "").id();
    team.inbox().send("leader", "w1", "go");
    TeamMetrics metrics = TeamMetrics.builder(team)
        .gpus(ids -> new GpuSnapshot(
            Instant.now(),
            "nvidia-smi",
            List.of(
                GpuMetrics.unknown(0)
                    .withUtilisation(80, 30)
                    .withTemperature(60)
                    .withPower(200, 400),
                GpuMetrics.unknown(1)
                    .withUtilisation(10, 2)
                    .withTemperature(40)
                    .withPower(70, 400)),
            List.of()))
        .cost(() -> TeamMetricsTest.costs(w1, "1.25"))
        .build();
    exporter = MetricsExporter.builder(metrics).port(0).start();
  }

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (exporter != null) {
      exporter.close();
    }
    if (team != null) {
      team.close();
      ns.close();
    }
  }

  @Test
  void promtoolFindsNoProblemInAScrape() throws Exception {
    String scrape = get(exporter.uri());
    Path file = dir.resolve("scrape.txt");
    Files.writeString(file, scrape);
    Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
        .redirectInput(file.toFile())
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as("promtool check metrics output").isEmpty();
    assertThat(p.exitValue()).isZero();
    assertThat(scrape).contains("nemospawn_hpo_best_value{").contains("nemospawn_gpu_power_watts{");
  }

  @Test
  void prometheusScrapesOurNumbersAndEveryDashboardExpressionEvaluates() throws Exception {
    int port = freePort();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
            + "  - job_name: nemospawn\n    static_configs:\n      - targets: ['127.0.0.1:"
            + exporter.address().getPort() + "']\n");
    prometheus = new ProcessBuilder(
            PROMETHEUS.toString(),
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("tsdb"),
            "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
    URI base = URI.create("http://127.0.0.1:" + port);

    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      tasks.add(team.tasks().create("t" + i));
    }
    team.tasks().complete(tasks.get(0).id());
    team.tasks().complete(tasks.get(1).id());

    String done = "nemospawn_tasks{team=\"" + team.id() + "\",status=\"done\"}";
    await("Prometheus scrapes 2 done tasks (log: " + dir.resolve("prometheus.log") + ")")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(value(base, done)).isEqualTo(2.0));

    team.tasks().complete(tasks.get(2).id());
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(() -> assertThat(value(base, done)).isEqualTo(3.0));
    assertThat(value(base, "nemospawn_hpo_best_value{study=\"sweep\"}")).isEqualTo(0.125);
    assertThat(value(base, "nemospawn_gpu_utilization_ratio{gpu=\"0\"}")).isEqualTo(0.8);
    assertThat(value(base, "nemospawn_cost_usd{kind=\"tokens\"}")).isEqualTo(1.25);
    assertThat(value(base, "sum(nemospawn_cost_usd)")).isEqualTo(6.25);
    assertThat(value(base, "nemospawn_budget_used_ratio{limit=\"usd\"}")).isEqualTo(0.625);

    // The dashboard's team variable: label_values(nemospawn_tasks, team).
    JsonNode teams = json(base.resolve("/api/v1/label/team/values"));
    assertThat(teams.path("data").toString()).contains(team.id());

    List<String> exprs = GrafanaDashboard.expressions();
    assertThat(exprs).hasSizeGreaterThan(10);
    for (String expr : exprs) {
      String q = expr.replace("$team", team.id()).replace("$__rate_interval", "10s");
      JsonNode r = query(base, q);
      assertThat(r.path("status").asString()).as("%s -> %s", expr, r).isEqualTo("success");
    }
    // The expressions return data, not only no error: tasks, agents, GPUs, the study, cost.
    for (String expr : exprs) {
      if (expr.contains("nemospawn_tasks")
          || expr.contains("nemospawn_gpu_")
          || expr.contains("nemospawn_hpo_")
          || expr.contains("nemospawn_agents")
          || expr.contains("nemospawn_cost_")
          || expr.contains("nemospawn_agent_cost_usd")
          || expr.contains("nemospawn_budget_")) {
        JsonNode r = query(base, expr.replace("$team", team.id()));
        assertThat(r.path("data").path("result").size()).as(expr).isPositive();
      }
    }
  }

  static double value(URI base, String promql) throws Exception {
    JsonNode r = query(base, promql).path("data").path("result");
    assertThat(r.size()).as(promql + " -> " + r).isEqualTo(1);
    return Double.parseDouble(r.get(0).path("value").get(1).asString());
  }

  static JsonNode query(URI base, String promql) throws Exception {
    return json(
        base.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
  }

  static JsonNode json(URI uri) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    return MAPPER.readTree(r.body());
  }

  String get(URI uri) throws Exception {
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    return r.body();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
