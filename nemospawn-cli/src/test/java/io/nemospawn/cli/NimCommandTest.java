package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.nvidia.nim.LocalModelServer;
import io.nemospawn.nvidia.nim.NimDeployment;
import io.nemospawn.nvidia.nim.NimDeployments;
import io.nemospawn.nvidia.nim.WordModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * NemoSpawn 1.0's {@code nim} forms ({@code nim benchmark TEAM_ID ENDPOINT_URL [--model]
 * [--concurrency]}, {@code nim deploy TEAM_ID ARTIFACT_ID [--tp] [--profile] [--port] [--gpus]},
 * {@code nim list TEAM_ID}, {@code nim profiles NUM_GPUS}) and ours ({@code nim stop}, {@code
 * --requests}, {@code --input-tokens}/{@code --output-tokens}), against a real loopback server.
 */
class NimCommandTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path dir;

  Cli cli;
  String t1;
  LocalModelServer server;

  @BeforeEach
  void setUp() {
    cli = new Cli(dir);
    t1 = cli.id("team", "create", "t1");
    // auto would use a genai-perf or perf_analyzer on this machine's PATH; the tests say which
    System.setProperty("nemospawn.nim.path", dir.resolve("no-tools").toString());
    server = LocalModelServer.start(
        WordModel.train(WordModel.builtInCorpus()),
        LocalModelServer.Options.defaults().withDelays(Duration.ofMillis(5), Duration.ofMillis(1)));
  }

  @AfterEach
  void tearDown() {
    server.close();
    System.clearProperty("nemospawn.nim.engine");
    System.clearProperty("nemospawn.nim.path");
  }

  private static Cli.Result bare(String... args) {
    var cl = Main.commandLine(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Cli.Result(cl.execute(args), out.toString(), err.toString());
  }

  private Path teamDir() {
    return dir.resolve("teams").resolve(t1);
  }

  @Test
  void benchmarkTeamIdEndpointRecordsABenchmarkArtifactWithRealNumbers() throws Exception {
    String endpoint = "127.0.0.1:" + server.port(); // 1.0's form: no scheme
    Cli.Result r = cli.run(
        "nim",
        "benchmark",
        t1,
        endpoint,
        "--concurrency",
        "1,2",
        "--requests",
        "6",
        "--input-tokens",
        "8",
        "--output-tokens",
        "4");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("CONC", "TTFT P50", "(model nemospawn-demo, streamed", "measured by nemospawn)")
        .contains("Recorded art-");
    assertThat(server.requestCount()).isEqualTo(12);
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(t1)) {
      var a = t.artifacts()
          .list(Artifacts.Query.all().withType(ArtifactType.BENCHMARK))
          .items();
      assertThat(a).singleElement().satisfies(b -> {
        assertThat(b.metrics())
            .containsKeys("latency_p50_ms", "output_tokens_per_s", "best_concurrency");
        assertThat(((Number) b.metrics().get("output_tokens_per_s")).doubleValue())
            .isPositive();
        assertThat(Path.of(b.path())).startsWith(teamDir().resolve("nim").resolve("benchmarks"));
      });
      JsonNode file = JSON.readTree(Files.readString(Path.of(a.get(0).path())));
      assertThat(file.path("levels")).hasSize(2);
      assertThat(file.path("levels").path(1).path("succeeded").asInt()).isEqualTo(6);
    }
    // --json, the completions route, whole answers, a named model: a second artifact in its own
    // file.
    Cli.Result j = cli.run(
        "nim",
        "benchmark",
        t1,
        "http://" + endpoint,
        "--model",
        "nemospawn-demo",
        "--concurrency",
        "2",
        "--requests",
        "4",
        "--api",
        "completions",
        "--no-stream",
        "--json");
    assertThat(j.code()).as(j.toString()).isZero();
    JsonNode out = JSON.readTree(j.out());
    assertThat(out.path("route").asString()).isEqualTo("/v1/completions");
    assertThat(out.path("levels").path(0).has("ttft_p50_ms")).isFalse();
    assertThat(out.path("artifact_id").asString()).startsWith("art-");
    try (var files = Files.list(teamDir().resolve("nim").resolve("benchmarks"))) {
      assertThat(files.count()).isEqualTo(2);
    }
  }

  @Test
  void benchmarkWhenNothingAnswersSaysSoExitsNonZeroAndRecordsNoNumbers() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Cli.Result r = cli.run(
        "nim",
        "benchmark",
        t1,
        "localhost:" + port,
        "--concurrency",
        "1,4",
        "--requests",
        "4",
        "--timeout",
        "PT2S");
    assertThat(r.code()).isNotZero();
    assertThat(r.err())
        .contains(
            "No request to http://localhost:" + port + " succeeded",
            "connection_refused",
            "nothing was recorded");
    assertThat(r.out()).doesNotContain("P50");
    assertThat(teamDir().resolve("nim").resolve("benchmarks")).doesNotExist();
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(t1)) {
      assertThat(t.artifacts().list(Artifacts.Query.all()).items()).isEmpty();
    }
  }

  /**
   * A stand-in {@code genai-perf} (the machine has none): it records its argv, one argument a
   * line and {@code --} after each run, and writes the recorded {@code
   * profile_export_genai_perf.csv} (shaped as genai-perf documents it; see {@code
   * ExternalBenchmarkTest} in the nvidia module) into its {@code --artifact-dir}, as the real tool
   * does, or fails with {@code exit}.
   */
  private Path standInGenAiPerf(String csv, int exit) throws Exception {
    Path bin = dir.resolve("tools");
    Files.createDirectories(bin);
    Files.writeString(bin.resolve("recorded.csv"), csv);
    Path exe = bin.resolve("genai-perf");
    Files.writeString(
        exe,
        "#!/bin/sh\n"
            + "for a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '" + bin + "/argv'\n"
            + "echo '--' >> '" + bin + "/argv'\n"
            + "d=''; p=''; for a in \"$@\"; do [ \"$p\" = --artifact-dir ] && d=\"$a\"; p=\"$a\"; done\n"
            + "[ " + exit + " -eq 0 ] || { echo 'genai-perf: model not found' >&2; exit " + exit
            + "; }\n"
            + "cat '" + bin + "/recorded.csv' > \"$d/profile_export_genai_perf.csv\"\n");
    Files.setPosixFilePermissions(
        exe, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    System.setProperty("nemospawn.nim.path", dir.resolve("no-tools") + ":" + bin);
    return bin;
  }

  private static String recordedGenAiPerfCsv() throws Exception {
    try (var in = NimCommandTest.class.getResourceAsStream("profile_export_genai_perf.csv")) {
      return new String(java.util.Objects.requireNonNull(in).readAllBytes(), "UTF-8");
    }
  }

  @Test
  void benchmarkUsesGenAiPerfWhenOnThePathAndRecordsItsFigures() throws Exception {
    Path bin = standInGenAiPerf(recordedGenAiPerfCsv(), 0);
    String endpoint = "127.0.0.1:" + server.port();
    Cli.Result r = cli.run(
        "nim",
        "benchmark",
        t1,
        endpoint,
        "--model",
        "llama-3-8b",
        "--concurrency",
        "1,4",
        "--requests",
        "32",
        "--input-tokens",
        "128",
        "--output-tokens",
        "100",
        "--p95-budget-ms",
        "2000");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("measured by genai-perf", "1112.6", "Recorded art-");
    assertThat(server.requestCount()).as("the tool measured, not us").isZero();
    List<String> runs = List.of(Files.readString(bin.resolve("argv")).split("--\n"));
    assertThat(runs).hasSize(2);
    List<String> first = List.of(runs.get(0).split("\n"));
    String artifactDir = first.get(first.size() - 1);
    assertThat(first)
        .containsExactly(
            "profile",
            "-m",
            "llama-3-8b",
            "--service-kind",
            "openai",
            "--endpoint-type",
            "chat",
            "-u",
            "http://" + endpoint,
            "--streaming",
            "--concurrency",
            "1",
            "--request-count",
            "32",
            "--synthetic-input-tokens-mean",
            "128",
            "--synthetic-input-tokens-stddev",
            "0",
            "--output-tokens-mean",
            "100",
            "--output-tokens-stddev",
            "0",
            "--artifact-dir",
            artifactDir);
    assertThat(runs.get(1)).contains("--concurrency\n4\n").doesNotContain(artifactDir);
    assertThat(Path.of(artifactDir)).as("its own temporary directory, removed").doesNotExist();
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(t1)) {
      var a = t.artifacts()
          .list(Artifacts.Query.all().withType(ArtifactType.BENCHMARK))
          .items();
      assertThat(a).singleElement().satisfies(b -> {
        assertThat(b.metrics())
            .containsEntry("tool", "genai-perf")
            .containsEntry("best_concurrency", 1)
            .containsEntry("latency_p95_ms", 1183.26)
            .containsEntry("ttft_p50_ms", 40.98)
            .containsEntry("output_tokens_per_s", 357.91);
      });
      JsonNode file = JSON.readTree(Files.readString(Path.of(a.get(0).path())));
      assertThat(file.path("tool").asString()).isEqualTo("genai-perf");
      assertThat(file.path("levels").path(1).path("itl_p99_ms").asDouble()).isEqualTo(12.33);
      assertThat(file.path("levels").path(1).path("requests_per_s").asDouble()).isEqualTo(3.58);
    }
  }

  @Test
  void benchmarkToolOursIgnoresGenAiPerfOnThePath() throws Exception {
    Path bin = standInGenAiPerf(recordedGenAiPerfCsv(), 0);
    Cli.Result r = cli.run(
        "nim",
        "benchmark",
        t1,
        "127.0.0.1:" + server.port(),
        "--tool",
        "ours",
        "--concurrency",
        "1",
        "--requests",
        "3",
        "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(JSON.readTree(r.out()).path("tool").asString()).isEqualTo("nemospawn");
    assertThat(server.requestCount()).isEqualTo(3);
    assertThat(bin.resolve("argv")).doesNotExist();
  }

  @Test
  void benchmarkWhenTheToolFailsOrItsOutputIsGarbledRecordsNothing() throws Exception {
    standInGenAiPerf("", 3);
    Cli.Result failed =
        cli.run("nim", "benchmark", t1, "127.0.0.1:" + server.port(), "--concurrency", "1,4");
    assertThat(failed.code()).isNotZero();
    assertThat(failed.err())
        .contains("genai-perf failed at concurrency 1 (exit 3)", "model not found")
        .contains("nothing was recorded");
    standInGenAiPerf("Metric,avg,min\r\nRequest Latency (ms),oops,1\r\n", 0);
    Cli.Result garbled =
        cli.run("nim", "benchmark", t1, "127.0.0.1:" + server.port(), "--tool", "genai-perf");
    assertThat(garbled.code()).isNotZero();
    assertThat(garbled.err()).contains("not in the documented form", "'oops'");
    assertThat(garbled.out()).doesNotContain("P50");
    assertThat(teamDir().resolve("nim").resolve("benchmarks")).doesNotExist();
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(t1)) {
      assertThat(t.artifacts().list(Artifacts.Query.all()).items()).isEmpty();
    }
    Cli.Result absent =
        cli.run("nim", "benchmark", t1, "127.0.0.1:" + server.port(), "--tool", "perf_analyzer");
    assertThat(absent.code()).isNotZero();
    assertThat(absent.err()).contains("'perf_analyzer' is not an executable on the PATH");
    Cli.Result bad =
        cli.run("nim", "benchmark", t1, "127.0.0.1:" + server.port(), "--tool", "$(id)");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("Invalid --tool '$(id)'");
    assertThat(server.requestCount()).isZero();
  }

  @Test
  void benchmarkRefusesBadInputBeforeSendingAnything() {
    for (String bad :
        List.of("file:///etc/passwd", "http://user:pw@127.0.0.1:" + server.port(), "$(id)")) {
      Cli.Result r = cli.run("nim", "benchmark", t1, bad, "--requests", "1", "--concurrency", "1");
      assertThat(r.code()).as(bad).isNotZero();
      assertThat(r.err()).contains("Invalid endpoint URL");
    }
    Cli.Result c =
        cli.run("nim", "benchmark", t1, "127.0.0.1:" + server.port(), "--concurrency", "1;id");
    assertThat(c.err()).contains("Invalid concurrency levels '1;id'");
    assertThat(server.requestCount()).isZero();
  }

  @Test
  void listShowsRecordsWithLiveStateAndStopMarksThemStopped() throws Exception {
    NimDeployment d;
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(t1)) {
      Path ckpt = dir.resolve("ckpt.txt");
      Files.writeString(ckpt, "x");
      String art = t.artifacts()
          .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, ckpt))
          .id();
      d = new NimDeployments(t).recordLocal(art, server.port(), 1, "default", List.of());
    }
    Cli.Result l = cli.run("nim", "list", t1);
    assertThat(l.code()).as(l.toString()).isZero();
    assertThat(l.out()).contains(d.endpointId(), d.endpointUrl(), "running", "ready", "local");
    // As the demo's deployer does: the process serving it stops when its record is stopped.
    Thread watcher = new Thread(() -> {
      try (NemoSpawn ns = NemoSpawn.open(dir);
          Team t = ns.team(t1)) {
        while (new NimDeployments(t).get(d.endpointId()).active()) {
          Thread.sleep(50);
        }
        server.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    watcher.start();
    Cli.Result s = cli.run("nim", "stop", t1, d.endpointId());
    watcher.join(10_000);
    assertThat(s.code()).as(s.toString()).isZero();
    assertThat(s.out()).contains("Stopped " + d.endpointId());
    JsonNode rec =
        JSON.readTree(Files.readString(teamDir().resolve("nim").resolve(d.endpointId() + ".json")));
    assertThat(rec.path("status").asString()).isEqualTo("stopped");
    Cli.Result again = cli.run("nim", "list", t1, "--json");
    assertThat(JSON.readTree(again.out()).path(0).path("status").asString()).isEqualTo("stopped");
    Cli.Result unknown = cli.run("nim", "stop", t1, "nim-00000000");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("No deployment 'nim-00000000'");
    Cli.Result hostile = cli.run("nim", "stop", t1, "../../x");
    assertThat(hostile.err()).contains("Invalid endpoint id '../../x'");
  }

  @Test
  void deployRefusesHostileInputBeforeAnythingRunsAndRecordsAFailedEngine() throws Exception {
    Path engine = dir.resolve("docker");
    Path argv = dir.resolve("argv");
    Files.writeString(
        engine,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + argv + "'\n"
            + "[ \"$1\" = run ] && { echo 'docker: no GPU runtime' >&2; exit 125; }\nexit 0\n");
    assertThat(engine.toFile().setExecutable(true)).isTrue();
    System.setProperty("nemospawn.nim.engine", engine.toString());
    for (String bad : List.of("../x", "$(id)", "a b")) {
      Cli.Result r = cli.run("nim", "deploy", t1, bad);
      assertThat(r.code()).as(bad).isNotZero();
      assertThat(r.err()).contains("Invalid artifact id");
    }
    Cli.Result g = cli.run("nim", "deploy", t1, "art-00000000", "--gpus", "0;id");
    assertThat(g.err()).contains("Invalid GPU list '0;id'");
    Cli.Result p = cli.run("nim", "deploy", t1, "art-00000000", "--port", "0");
    assertThat(p.err()).contains("Invalid port 0");
    assertThat(argv).doesNotExist();
    assertThat(teamDir().resolve("nim")).doesNotExist();

    Path ckpt = dir.resolve("ckpt");
    Files.createDirectories(ckpt);
    String art;
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(t1)) {
      art = t.artifacts()
          .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, ckpt))
          .id();
    }
    Cli.Result f =
        cli.run("nim", "deploy", t1, art, "--tp", "2", "--gpus", "0,1", "--port", "18000");
    assertThat(f.code()).isNotZero();
    assertThat(f.err()).contains("docker run exited 125", "no GPU runtime");
    Cli.Result l = cli.run("nim", "list", t1, "--json");
    JsonNode rec = JSON.readTree(l.out()).path(0);
    assertThat(rec.path("status").asString()).isEqualTo("failed");
    assertThat(Files.readAllLines(argv))
        .contains("--gpus", "device=0,1", "127.0.0.1:18000:8000")
        .endsWith("rm", "-f", "nemospawn-" + rec.path("endpoint_id").asString());
  }

  @Test
  void profilesNumGpusWithMemoryListsWhatFits() throws Exception {
    Cli.Result r =
        bare("nim", "profiles", "2", "--gpu-memory-gb", "24", "--model", "llama-3.1-8b-instruct");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("2 GPUs, 24.0 GB each (given)").contains("TP2").contains("fp8");
    Cli.Result j = bare(
        "nim",
        "profiles",
        "1",
        "--gpu-memory-gb",
        "16",
        "--model",
        "llama-3.1-8b-instruct",
        "--all",
        "--json");
    JsonNode rows = JSON.readTree(j.out()).path("profiles");
    assertThat(rows).hasSize(2); // bf16 and fp8 on one GPU
    for (JsonNode row : rows) {
      assertThat(row.path("fits").asBoolean())
          .isEqualTo(row.path("precision").asString().equals("fp8"));
    }
    Cli.Result unknownMem = bare("nim", "profiles", "8");
    assertThat(unknownMem.out()).contains("memory unknown");
    Cli.Result bad = bare("nim", "profiles", "$(id)");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("Invalid GPU list '$(id)'");
    Path own = dir.resolve("models.json");
    Files.writeString(own, "{\"models\":[{\"name\":\"tiny\",\"params_b\":1}]}");
    Cli.Result custom =
        bare("nim", "profiles", "1", "--gpu-memory-gb", "8", "--models-file", own.toString());
    assertThat(custom.out()).contains("tiny").doesNotContain("llama");
  }
}
