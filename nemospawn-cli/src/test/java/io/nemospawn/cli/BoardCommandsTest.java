package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.Environment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code board live --once}, {@code board attach} errors, and the metrics options of serve. */
class BoardCommandsTest {
  @TempDir
  Path data;

  String team;
  HttpServer grafana;
  final List<String> grafanaAuth = new CopyOnWriteArrayList<>();

  @BeforeEach
  void createTeam() {
    team =
        CliRun.run(data, "team", "create", "t", "--json").json().get("team_id").asString();
  }

  @AfterEach
  void stopGrafana() {
    if (grafana != null) {
      grafana.stop(0);
    }
  }

  CliRun run(String... args) {
    return CliRun.run(data, args);
  }

  @Test
  void liveOnceTeamIdPrintsOneFrameNoWiderThanAsked() {
    run("task", "create", team, "--title", "train the model for a long while, on every GPU");
    CliRun r = run("board", "live", team, "--once", "--width", "40");
    assertThat(r.code).as(r.toString()).isZero();
    assertThat(r.out)
        .startsWith("NemoSpawn board: " + team)
        .contains("TASKS (1)")
        .contains("…");
    assertThat(r.out.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(40));
  }

  @Test
  void liveOnceTakesTheWidthFromColumns() throws Exception {
    run("task", "create", team, "--title", "x".repeat(200));
    CliRun r =
        Environment.call(Map.of("COLUMNS", "33"), data, () -> run("board", "live", team, "--once"));
    assertThat(r.out.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(33));
  }

  @Test
  void liveOnceNeutralisesHostileTitles() {
    run("task", "create", team, "--title", "\u001b[2J\u001b]0;pwned\u0007bidi\u202eevil");
    CliRun r = run("board", "live", team, "--once");
    assertThat(r.code).isZero();
    assertThat(r.out).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\u202e");
    assertThat(r.out).contains("pwned").contains("evil");
  }

  @Test
  void liveRefusesJsonAndABadIntervalBeforeOpeningTheTeam() {
    CliRun json = run("board", "live", team, "--once", "--json");
    assertThat(json.code).isEqualTo(2);
    assertThat(json.err)
        .contains("board live draws a terminal view and has no --json; use `team status --json`");
    CliRun interval = run("board", "live", team, "--interval", "0");
    assertThat(interval.code).isEqualTo(2);
    assertThat(interval.err).contains("--interval must be at least 1 second, got 0");
  }

  @Test
  void liveOfAnUnknownTeamNamesIt() {
    CliRun r = run("board", "live", "ghost-team", "--once");
    assertThat(r.code).isNotZero();
    assertThat(r.err).contains("ghost-team");
  }

  @Test
  void attachWithoutAgentsSaysThereIsNothingToTile() {
    CliRun r = run("board", "attach", team);
    assertThat(r.code).isNotZero();
    assertThat(r.err)
        .contains("Team " + team + " has no agents, so there is nothing to tile; spawn agents"
            + " first");
  }

  // ----------------------------------------------------------------- the metrics options

  /** What {@code board serve} does with the mixin: start it next to the board, then close it. */
  @Command(name = "host")
  static final class MetricsHost implements Callable<Integer> {
    static Callable<Void> during = () -> null;

    @Mixin
    Output out;

    @Mixin
    BoardMetricsOptions metrics;

    @Option(names = "--data-dir")
    Path dataDir;

    @Option(names = "--host", defaultValue = "127.0.0.1")
    String host;

    @Parameters
    String team;

    @Override
    public Integer call() throws Exception {
      try (NemoSpawn ns =
              NemoSpawn.builder().dataDir(dataDir).durability(Durability.NONE).open();
          Team t = ns.team(team);
          AutoCloseable c = metrics.start(t, host, out)) {
        during.call();
      }
      return 0;
    }
  }

  record Run(int code, String out, String err) {}

  Run host(Map<String, String> env, Callable<Void> during, String... args) throws Exception {
    MetricsHost.during = during;
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", data.toString(), team));
    CommandLine cl = new CommandLine(new MetricsHost());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = Environment.call(env, data, () -> cl.execute(all.toArray(String[]::new)));
    return new Run(code, out.toString(), err.toString());
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static HttpResponse<String> get(URI u) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString());
  }

  URI startGrafana() throws Exception {
    grafana = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    grafana.createContext("/", x -> {
      grafanaAuth.add(x.getRequestMethod() + " " + x.getRequestURI().getPath() + " "
          + x.getRequestHeaders().getFirst("Authorization"));
      x.getRequestBody().readAllBytes();
      boolean ok = "Bearer k-123".equals(x.getRequestHeaders().getFirst("Authorization"));
      byte[] b = (ok
              ? "{\"uid\":\"nemospawn-x\",\"url\":\"/d/nemospawn-x/t\",\"status\":\"success\"}"
              : "{\"message\":\"invalid API key\"}")
          .getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(ok ? 200 : 401, b.length);
      x.getResponseBody().write(b);
      x.close();
    });
    grafana.start();
    return URI.create("http://127.0.0.1:" + grafana.getAddress().getPort());
  }

  @Test
  void metricsPortServesTheTeamsMetricsWhileTheBoardRunsAndStopsAfter() throws Exception {
    int port = freePort();
    URI u = URI.create("http://127.0.0.1:" + port + "/metrics");
    List<Integer> seen = new ArrayList<>();
    Run r = host(
        Map.of(),
        () -> {
          HttpResponse<String> m = get(u);
          seen.add(m.statusCode());
          assertThat(m.body()).contains("nemospawn_tasks{status=\"done\",team=\"" + team + "\"}");
          return null;
        },
        "--metrics-port",
        Integer.toString(port));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(seen).containsExactly(200);
    assertThat(r.out()).contains("Metrics: " + u);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(u))
        .isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void metricsPortZeroStartsNoExporter() throws Exception {
    Run r = host(Map.of(), () -> null, "--metrics-port", "0");
    assertThat(r.code()).isZero();
    assertThat(r.out()).doesNotContain("Metrics:");
  }

  @Test
  void beyondLoopbackWithoutATokenIsRefused() throws Exception {
    Run r = host(Map.of(), () -> null, "--host", "0.0.0.0", "--metrics-port", "0");
    assertThat(r.code()).isZero();
    Run refused = host(
        Map.of(), () -> null, "--host", "0.0.0.0", "--metrics-port", Integer.toString(freePort()));
    assertThat(refused.code()).isNotZero();
    assertThat(refused.err())
        .contains("Refusing to serve metrics on '0.0.0.0', which is not"
            + " loopback, without a bearer token");
  }

  @Test
  void beyondLoopbackWithATokenFromTheEnvironmentRequiresIt() throws Exception {
    int port = freePort();
    URI u = URI.create("http://127.0.0.1:" + port + "/metrics");
    Run r = host(
        Map.of("NEMOSPAWN_METRICS_TOKEN", "tok-1"),
        () -> {
          assertThat(get(u).statusCode()).isEqualTo(401);
          HttpResponse<String> ok = HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(u)
                      .header("Authorization", "Bearer tok-1")
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(ok.statusCode()).isEqualTo(200);
          return null;
        },
        "--host",
        "0.0.0.0",
        "--metrics-port",
        Integer.toString(port));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).doesNotContain("tok-1");
  }

  @Test
  void grafanaKeyFromTheEnvironmentUploadsWithoutAWarning() throws Exception {
    URI g = startGrafana();
    Run r = host(
        Map.of("GRAFANA_API_KEY", "k-123"),
        () -> null,
        "--metrics-port",
        "0",
        "--grafana-url",
        g.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(grafanaAuth).containsExactly("POST /api/dashboards/db Bearer k-123");
    assertThat(r.out()).contains("Grafana dashboard: " + g + "/d/nemospawn-x/t");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void grafanaKeyOnTheCommandLineWorksAsIn10ButWarnsAndIsNeverPrinted() throws Exception {
    URI g = startGrafana();
    Run r = host(
        Map.of(),
        () -> null,
        "--metrics-port",
        "0",
        "--grafana-url",
        g.toString(),
        "--grafana-key",
        "k-123");
    assertThat(r.code()).isZero();
    assertThat(grafanaAuth).containsExactly("POST /api/dashboards/db Bearer k-123");
    assertThat(r.err()).contains("warning: --grafana-key puts the key on the command line");
    assertThat(r.out() + r.err()).doesNotContain("k-123");
  }

  @Test
  void aRefusedKeyIsAWarningAndTheBoardCarriesOn() throws Exception {
    URI g = startGrafana();
    Run r = host(
        Map.of("GRAFANA_API_KEY", "wrong-key"),
        () -> null,
        "--metrics-port",
        "0",
        "--grafana-url",
        g.toString());
    assertThat(r.code()).isZero();
    assertThat(r.err())
        .contains("warning: the dashboard was not uploaded: Grafana at " + g
            + " refused the API key (HTTP 401: invalid API key)")
        .doesNotContain("wrong-key");
  }

  @Test
  void aKeyFileReadableByOthersIsRefusedAndAPrivateOneIsUsed() throws Exception {
    URI g = startGrafana();
    Path key = data.resolve("grafana.key");
    Files.writeString(key, "k-123\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    Run open = host(
        Map.of(),
        () -> null,
        "--metrics-port",
        "0",
        "--grafana-url",
        g.toString(),
        "--grafana-key-file",
        key.toString());
    assertThat(open.code()).isEqualTo(2);
    assertThat(open.err())
        .contains("--grafana-key-file: " + key
            + " is readable by other users; make it private with: chmod 600 " + key);
    assertThat(grafanaAuth).isEmpty();
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Run ok = host(
        Map.of(),
        () -> null,
        "--metrics-port",
        "0",
        "--grafana-url",
        g.toString(),
        "--grafana-key-file",
        key.toString());
    assertThat(ok.code()).as(ok.toString()).isZero();
    assertThat(grafanaAuth).containsExactly("POST /api/dashboards/db Bearer k-123");
  }

  @Test
  void aBadGrafanaUrlOrNoKeyIsAUsageErrorBeforeAnythingStarts() throws Exception {
    Run bad = host(Map.of("GRAFANA_API_KEY", "k"), () -> null, "--grafana-url", "grafana:3000");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err())
        .contains(
            "--grafana-url: Grafana URL 'grafana:3000' is not an http(s)" + " URL with a host");
    Run noKey = host(Map.of(), () -> null, "--grafana-url", "http://127.0.0.1:1");
    assertThat(noKey.code()).isEqualTo(2);
    assertThat(noKey.err())
        .contains(
            "--grafana-url needs a Grafana API key: set"
                + " $GRAFANA_API_KEY, or give --grafana-key-file FILE (mode 0600), or --grafana-key KEY");
  }
}
