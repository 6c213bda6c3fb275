package io.nemospawn.nvidia.nim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The external tools' parsers on recorded outputs and their runs through stand-in executables (the
 * machine has neither {@code genai-perf} nor {@code perf_analyzer}). The recorded outputs are
 * shaped exactly as the tools document them: {@code profile_export_genai_perf.csv} as in the
 * GenAI-Perf README and the CSV exporter's own tests (a {@code Metric,avg,min,max,p99,p95,p90,
 * p75,p50,p25} block, CRLF line ends, values of 1,000 and more quoted with thousands separators,
 * then a {@code Metric,Value} block with {@code Request Count (count)}); {@code perf_analyzer.csv}
 * as the Perf Analyzer documentation's "Visualizing Latency vs. Throughput" section shows the
 * {@code -f} file (latencies in microseconds). The numbers are ours.
 */
class ExternalBenchmarkTest {

  static String resource(String name) throws IOException {
    try (InputStream in =
        Objects.requireNonNull(ExternalBenchmarkTest.class.getResourceAsStream(name), name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void genAiPerfCsvGivesTheExactFigures() throws IOException {
    LoadReport.Level l =
        ExternalBenchmark.parseGenAiPerfCsv(resource("profile_export_genai_perf.csv"), 4, 32, 9.5);
    assertThat(l.concurrency()).isEqualTo(4);
    assertThat(l.requests()).isEqualTo(32);
    assertThat(l.succeeded()).isEqualTo(32);
    assertThat(l.errors()).isEmpty();
    assertThat(l.seconds()).isEqualTo(9.5);
    assertThat(l.figures())
        .isEqualTo(new LoadReport.Figures(
            1112.64, 1183.26, 1204.18, 1116.84, 40.98, 52.40, 57.31, 10.38, 12.33, 3.58, 357.91));
  }

  @Test
  void perfAnalyzerCsvGivesTheLevelsRowInMilliseconds() throws IOException {
    String csv = resource("perf_analyzer.csv");
    LoadReport.Level l = ExternalBenchmark.parsePerfAnalyzerCsv(csv, 4, 32, 2.0);
    LoadReport.Figures f = l.figures();
    assertThat(f).isNotNull();
    assertThat(f.latencyP50()).isEqualTo(130.120);
    assertThat(f.latencyP95()).isEqualTo(136.955);
    assertThat(f.latencyP99()).isEqualTo(141.327);
    assertThat(f.requestsPerSecond()).isEqualTo(30.6);
    assertThat(f.latencyMean()).isNaN();
    assertThat(f.ttftP50()).isNaN();
    assertThat(f.outputTokensPerSecond()).isNaN();
    assertThat(ExternalBenchmark.parsePerfAnalyzerCsv(csv, 1, 32, 2.0).figures())
        .extracting(LoadReport.Figures::latencyP50)
        .isEqualTo(112.250);
    assertThatThrownBy(() -> ExternalBenchmark.parsePerfAnalyzerCsv(csv, 16, 32, 2.0))
        .hasMessageContaining("no row for concurrency 16");
  }

  @Test
  void malformedOutputsAreRefusedNamingWhatIsWrong() throws IOException {
    String good = resource("profile_export_genai_perf.csv");
    assertThatThrownBy(() -> ExternalBenchmark.parseGenAiPerfCsv(
            good.replace("Request Latency (ms)", "Latency"), 1, 1, 1))
        .hasMessageContaining("no 'Request Latency (ms)' row");
    assertThatThrownBy(
            () -> ExternalBenchmark.parseGenAiPerfCsv(good.replace("3.58", "n/a"), 1, 1, 1))
        .hasMessageContaining("'n/a'")
        .hasMessageContaining("Request Throughput");
    assertThatThrownBy(() -> ExternalBenchmark.parseGenAiPerfCsv("<html>oops</html>", 1, 1, 1))
        .hasMessageContaining("not 'Metric,");
    assertThatThrownBy(() -> ExternalBenchmark.parseGenAiPerfCsv("", 1, 1, 1))
        .hasMessageContaining("no 'Request Latency (ms)' row");
    assertThatThrownBy(() -> ExternalBenchmark.parsePerfAnalyzerCsv("a,b\n1,2\n", 1, 1, 1))
        .hasMessageContaining("no 'Concurrency' column");
  }

  /** A stand-in tool: records its argv (one per line) and writes the recorded output. */
  static Path standIn(Path bin, String name, String output, int exit) throws IOException {
    Files.createDirectories(bin);
    Path out = bin.resolve(name + ".output");
    Files.writeString(out, output);
    String where = name.equals("genai-perf")
        ? "dir=\"\"; prev=\"\"; for a in \"$@\"; do [ \"$prev\" = --artifact-dir ] && dir=\"$a\";"
            + " prev=\"$a\"; done; target=\"$dir/profile_export_genai_perf.csv\"\n"
        : "target=\"\"; prev=\"\"; for a in \"$@\"; do [ \"$prev\" = -f ] && target=\"$a\";"
            + " prev=\"$a\"; done\n";
    Path exe = bin.resolve(name);
    Files.writeString(
        exe,
        "#!/bin/sh\n"
            + "for a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '" + bin + "/" + name + ".argv'\n"
            + "echo '--' >> '" + bin + "/" + name + ".argv'\n"
            + where
            + "echo \"stand-in " + name + " running\"\n"
            + "[ " + exit + " -eq 0 ] || { echo 'model not found' >&2; exit " + exit + "; }\n"
            + "cat '" + out + "' > \"$target\"\n");
    Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
    return exe;
  }

  static LoadGenerator.Options options() {
    return LoadGenerator.Options.of("http://127.0.0.1:8000", "llama-3-8b")
        .withConcurrency(List.of(1, 4))
        .withRequests(32)
        .withTokens(128, 100);
  }

  @Test
  void genAiPerfRunsPerLevelWithTheExactArgvAndItsFiguresAreReported(@TempDir Path tmp)
      throws Exception {
    Path exe = standIn(tmp, "genai-perf", resource("profile_export_genai_perf.csv"), 0);
    assertThat(ExternalBenchmark.find(ExternalBenchmark.Tool.GENAI_PERF, tmp + ":/nonexistent"))
        .contains(exe);
    LoadReport r = ExternalBenchmark.run(
        ExternalBenchmark.Tool.GENAI_PERF, exe, options(), LoadGenerator.Progress.none());
    assertThat(r.tool()).isEqualTo("genai-perf");
    assertThat(r.levels()).extracting(LoadReport.Level::concurrency).containsExactly(1, 4);
    assertThat(r.levels().get(1).figures()).isNotNull();
    assertThat(r.levels().get(1).figures().latencyP95()).isEqualTo(1183.26);
    List<String> runs = List.of(Files.readString(tmp.resolve("genai-perf.argv")).split("--\n"));
    assertThat(runs).hasSize(2);
    List<String> first = List.of(runs.get(0).split("\n"));
    String dir = first.get(first.size() - 1);
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
            "http://127.0.0.1:8000",
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
            dir);
    List<String> second = List.of(runs.get(1).split("\n"));
    assertThat(second.get(second.indexOf("--concurrency") + 1)).isEqualTo("4");
    String dir2 = second.get(second.size() - 1);
    assertThat(dir2).as("a fresh directory per run").isNotEqualTo(dir);
    assertThat(Path.of(dir)).as("removed afterwards").doesNotExist();
    assertThat(Path.of(dir2)).doesNotExist();
  }

  @Test
  void perfAnalyzerGetsItsInputDataAndExactArgv(@TempDir Path tmp) throws Exception {
    Path exe = standIn(tmp, "perf_analyzer", resource("perf_analyzer.csv"), 0);
    LoadReport r = ExternalBenchmark.run(
        ExternalBenchmark.Tool.PERF_ANALYZER,
        exe,
        options().withApi(LoadGenerator.Api.COMPLETIONS, false),
        LoadGenerator.Progress.none());
    assertThat(r.tool()).isEqualTo("perf_analyzer");
    assertThat(r.levels().get(0).figures().latencyP99()).isEqualTo(118.032);
    assertThat(r.levels().get(1).figures().requestsPerSecond()).isEqualTo(30.6);
    List<String> argv = List.of(
        Files.readString(tmp.resolve("perf_analyzer.argv")).split("--\n")[1].split("\n"));
    String csv = argv.get(argv.size() - 1);
    String dir = Path.of(csv).getParent().toString();
    assertThat(argv)
        .containsExactly(
            "-m",
            "llama-3-8b",
            "--service-kind",
            "openai",
            "--endpoint",
            "v1/completions",
            "-u",
            "http://127.0.0.1:8000",
            "-i",
            "http",
            "--input-data",
            dir + "/inputs.json",
            "--concurrency-range",
            "4:4",
            "--measurement-mode",
            "count_windows",
            "--measurement-request-count",
            "32",
            "-f",
            dir + "/perf.csv");
  }

  @Test
  void aFailingMissingOrGarbledRunIsAClearErrorWithNoNumbers(@TempDir Path tmp) throws Exception {
    Path failing = standIn(tmp.resolve("a"), "genai-perf", "", 3);
    assertThatThrownBy(() -> ExternalBenchmark.run(
            ExternalBenchmark.Tool.GENAI_PERF, failing, options(), LoadGenerator.Progress.none()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("genai-perf failed at concurrency 1 (exit 3)")
        .hasMessageContaining("model not found")
        .hasMessageContaining("nothing was recorded");
    Path garbled = standIn(tmp.resolve("b"), "genai-perf", "Metric,avg\r\nRequest Latency", 0);
    assertThatThrownBy(() -> ExternalBenchmark.run(
            ExternalBenchmark.Tool.GENAI_PERF, garbled, options(), LoadGenerator.Progress.none()))
        .hasMessageContaining("not in the documented form")
        .hasMessageContaining("nothing was recorded");
    // a stand-in that exits 0 and writes nothing
    Path silent = tmp.resolve("c").resolve("perf_analyzer");
    Files.createDirectories(silent.getParent());
    Files.writeString(silent, "#!/bin/sh\necho done\n");
    Files.setPosixFilePermissions(silent, PosixFilePermissions.fromString("rwx------"));
    assertThatThrownBy(() -> ExternalBenchmark.run(
            ExternalBenchmark.Tool.PERF_ANALYZER, silent, options(), LoadGenerator.Progress.none()))
        .hasMessageContaining("exited 0 at concurrency 1 but wrote no perf.csv");
  }

  @Test
  void anApiKeyIsNeverPutOnACommandLine(@TempDir Path tmp) throws Exception {
    Path exe = standIn(tmp, "genai-perf", resource("profile_export_genai_perf.csv"), 0);
    assertThatThrownBy(() -> ExternalBenchmark.run(
            ExternalBenchmark.Tool.GENAI_PERF,
            exe,
            options().withApiKey("sk-secret"),
            LoadGenerator.Progress.none()))
        .hasMessageContaining("command line")
        .hasMessageNotContaining("sk-secret");
    assertThat(tmp.resolve("genai-perf.argv")).doesNotExist();
  }
}
