package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code board serve}, {@code board key} and {@code hpo dashboard} in NemoSpawn 1.0's forms. */
class BoardServeCommandTest {
  @TempDir
  Path data;

  final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A command running on its own thread, its output readable while it runs. */
  final class Running {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicInteger code = new AtomicInteger(-1);
    final Thread thread;

    Running(String... args) {
      String[] a = withData(args);
      var cl = Main.commandLine(a);
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      thread = new Thread(() -> code.set(cl.execute(a)), "cli-" + args[0]);
      thread.start();
    }

    String awaitLine(String pattern) throws InterruptedException {
      Pattern p = Pattern.compile(pattern);
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < end) {
        Matcher m = p.matcher(out.toString());
        if (m.find()) {
          return m.group(1);
        }
        if (!thread.isAlive()) {
          break;
        }
        Thread.sleep(20);
      }
      throw new AssertionError("no line matching " + pattern + "; out: " + out + " err: " + err);
    }

    int stop() throws InterruptedException {
      thread.interrupt();
      thread.join(10_000);
      assertThat(thread.isAlive()).isFalse();
      return code.get();
    }
  }

  String[] withData(String... args) {
    String[] a = new String[args.length + 2];
    System.arraycopy(args, 0, a, 0, args.length);
    a[args.length] = "--data-dir";
    a[args.length + 1] = data.toString();
    return a;
  }

  Cli.Result run(String... args) {
    return new Cli(data).run(args);
  }

  @Test
  void serveIn10FormPrintsTheKeyOnceAndGuardsChanges() throws Exception {
    String teamId;
    Plan plan;
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team t = ns.newTeam("web").create()) {
      teamId = t.id();
      plan = t.plans().submit(new PlanSpec("worker", "Use bf16", "", List.of("switch")));
    }
    Running serve = new Running("board", "serve", teamId, "--port", "0", "--metrics-port", "0");
    String key = serve.awaitLine(
        "Access key for changes on the board \\(shown once; only its hash is stored in [^)]+\\): (\\S+)");
    String url = serve.awaitLine(
        "Board of team " + teamId + " at (http://127\\.0\\.0\\.1:\\d+/) \\(Ctrl-C stops it\\)");
    assertThat(Files.readString(data.resolve("access-keys.json"))).doesNotContain(key);
    HttpResponse<String> board = http.send(
        HttpRequest.newBuilder(URI.create(url + "api/board")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(board.statusCode()).isEqualTo(200);
    assertThat(board.body()).contains("\"title\":\"Use bf16\"");
    HttpRequest.Builder approve = HttpRequest.newBuilder(
            URI.create(url + "api/plans/" + plan.id() + "/approve"))
        .POST(HttpRequest.BodyPublishers.ofString("{}"));
    assertThat(http.send(approve.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    assertThat(http.send(
                approve.header("Authorization", "Bearer " + key).build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode())
        .isEqualTo(200);
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team t = ns.team(teamId)) {
      assertThat(t.plans().get(plan.id()).status()).isEqualTo(PlanStatus.APPROVED);
    }
    assertThat(serve.stop()).isZero();
    int port = URI.create(url).getPort();
    assertThat(connects(port)).isFalse();

    // the second serve prints no key: it exists already
    Running again =
        new Running("board", "serve", "--team", teamId, "--port", "0", "--metrics-port", "0");
    again.awaitLine("Board of team " + teamId + " at (http://\\S+)");
    assertThat(again.out.toString()).doesNotContain("Access key");
    assertThat(again.stop()).isZero();
  }

  /**
   * The board and its exporter show the team's costs from core's ledger: an agent's log holds
   * Claude Code's usage (1M input + 100k output tokens of claude-sonnet-4-5: $4.50), the team has
   * a $10 budget.
   */
  @Test
  void serveShowsTheLedgersCostsOnTheBoardAndInTheMetrics() throws Exception {
    String teamId;
    String agent;
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team t = ns.newTeam("costly").create()) {
      teamId = t.id();
      agent = t.agents().register("a1", "worker", List.of(), "").id();
      io.nemospawn.core.cost.Budgets.of(t)
          .set(new io.nemospawn.core.cost.Budget(null, null, new java.math.BigDecimal("10"), null));
    }
    Path logs = data.resolve("teams").resolve(teamId).resolve("logs");
    Files.createDirectories(logs);
    Files.writeString(
        logs.resolve(agent + ".log"),
        "starting\n{\"type\":\"assistant\",\"message\":{\"id\":\"m1\",\"model\":"
            + "\"claude-sonnet-4-5-20250929\",\"usage\":{\"input_tokens\":1000000,"
            + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
            + "\"output_tokens\":100000}}}\n");
    int metricsPort;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      metricsPort = free.getLocalPort();
    }
    Running serve = new Running(
        "board", "serve", teamId, "--port", "0", "--metrics-port", Integer.toString(metricsPort));
    String url = serve.awaitLine("Board of team " + teamId + " at (http://\\S+/) ");
    String body = "";
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!body.contains("\"tokenUsd\":\"4.50\"") && System.nanoTime() < deadline) {
      Thread.sleep(100);
      body = http.send(
              HttpRequest.newBuilder(URI.create(url + "api/board")).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
    assertThat(body)
        .contains("\"cost\":{\"view\":{")
        .contains("\"tokenUsd\":\"4.50\"", "\"tokens\":1100000")
        .contains("\"id\":\"" + agent + "\",\"name\":\"a1\"")
        .contains("{\"kind\":\"usd\",");
    String metrics = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
    assertThat(metrics)
        .contains("nemospawn_cost_usd{kind=\"tokens\",team=\"" + teamId + "\"} 4.5")
        .contains("nemospawn_cost_tokens{pricing=\"priced\",team=\"" + teamId + "\"} 1100000.0")
        .contains("nemospawn_budget_used_ratio{limit=\"usd\",team=\"" + teamId + "\"} 0.45")
        .contains("nemospawn_agent_cost_usd{agent=\"" + agent + "\",team=\"" + teamId + "\"} 4.5");
    assertThat(serve.stop()).isZero();
  }

  static boolean connects(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (ConnectException e) {
      return false;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void serveOfAnUnknownTeamFailsNamingIt() {
    Cli.Result r = run("board", "serve", "no-such-team", "--port", "0");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("no-such-team");
    assertThat(data.resolve("access-keys.json")).doesNotExist();
  }

  @Test
  void serveHelpShowsThe10Options() {
    Cli.Result r = run("board", "serve", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .startsWith("Usage: nemospawn board serve")
        .contains("TEAM_ID")
        .contains("--port")
        .contains("default: 8080")
        .contains("--metrics-port")
        .contains("--grafana-url")
        .contains("--grafana-key")
        .contains("--host");
    assertThat(run("hpo", "dashboard", "--help").out())
        .contains("default: 8081")
        .contains("--study");
  }

  @Test
  void keyAddReadsStdinOrAFileNeverTheCommandLine() throws Exception {
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("too-short\n".getBytes(StandardCharsets.UTF_8)));
      Cli.Result bad = run("board", "key", "add");
      assertThat(bad.code()).isNotZero();
      assertThat(bad.err()).contains("at least 32 characters").contains("has 9");
      assertThat(data.resolve("access-keys.json")).doesNotExist();
      String mine = "k".repeat(24) + "-0123456789abcdef";
      System.setIn(new ByteArrayInputStream((mine + "\n").getBytes(StandardCharsets.UTF_8)));
      Cli.Result ok = run("board", "key", "add", "--label", "ci");
      assertThat(ok.code()).as(ok.err()).isZero();
      assertThat(ok.out()).doesNotContain(mine);
    } finally {
      System.setIn(stdin);
    }
    Path f = data.resolve("k.txt");
    Files.writeString(f, "f".repeat(40) + "\n");
    assertThat(run("board", "key", "add", "--file", f.toString(), "--label", "file")
            .code())
        .isZero();
    Cli.Result list = run("board", "key", "list");
    assertThat(list.out())
        .contains("ci")
        .contains("file")
        .doesNotContain("f".repeat(40))
        .doesNotContain("kkkk");
    String json = Files.readString(data.resolve("access-keys.json"));
    assertThat(json).doesNotContain("f".repeat(40)).doesNotContain("kkkk");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(data.resolve("access-keys.json"))))
        .isEqualTo("rw-------");
    // no option takes a key value
    assertThat(run("board", "key", "add", "--key", "x".repeat(40)).code())
        .isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void hpoDashboardServesTheStudyWithTheBoardsServer() throws Exception {
    Path toml = data.resolve("s.toml");
    Files.writeString(toml, """
        [search_space]
        lr = { type = "loguniform", low = 1e-5, high = 1e-1 }
        [objective]
        metric = "val_loss"
        direction = "minimize"
        """);
    assertThat(run("hpo", "init", "--study", "sweep", "--hpo-file", toml.toString())
            .code())
        .isZero();
    assertThat(run("hpo", "suggest", "--study", "sweep").code()).isZero();
    assertThat(run(
                "hpo",
                "report",
                "--study",
                "sweep",
                "--trial",
                "0",
                "--step",
                "0",
                "--val-loss",
                "0.9")
            .code())
        .isZero();
    Running d = new Running("hpo", "dashboard", "--study", "sweep", "--port", "0");
    String url = d.awaitLine(
        "Dashboard of study sweep at (http://127\\.0\\.0\\.1:\\d+/) \\(Ctrl-C stops it\\)");
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create(url + "api/board")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("\"mode\":\"study\"")
        .contains("\"name\":\"sweep\"")
        .contains("\"intermediate\":[[0.0,0.9]]");
    HttpResponse<String> page = http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.body()).contains("NemoSpawn board");
    assertThat(d.stop()).isZero();

    Cli.Result missing = run("hpo", "dashboard", "--study", "nope", "--port", "0");
    assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(missing.err()).contains("No study 'nope'");
  }
}
