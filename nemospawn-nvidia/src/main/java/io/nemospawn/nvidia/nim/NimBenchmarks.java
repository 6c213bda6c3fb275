package io.nemospawn.nvidia.nim;

import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records a load test as a {@code benchmark} artifact: the report's numbers in a JSON file of its
 * own under {@code <team>/nim/benchmarks/} (a new, unique file per run, so concurrent runs never
 * share one) and an artifact whose metrics are the best level's figures.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NimBenchmarks {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private NimBenchmarks() {}

  /**
   * Writes the report and registers the artifact.
   *
   * @param extra metrics added to the artifact's (an endpoint id, the GPUs)
   * @param p95BudgetMs the latency budget that picks the best level
   * @throws IllegalArgumentException when no request of the report succeeded: there are no
   *     numbers to record
   */
  public static Artifact record(
      Team team, LoadReport report, Map<String, Object> extra, double p95BudgetMs, String agentId) {
    if (!report.anySucceeded()) {
      throw new IllegalArgumentException("No request to " + report.endpoint() + " succeeded ("
          + report.failed() + " failed); a benchmark with no answers is not recorded");
    }
    Path dir = team.dir().resolve("nim").resolve("benchmarks");
    Path file;
    try {
      Files.createDirectories(dir);
      file = Files.createTempFile(dir, "benchmark-", ".json");
      Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report.toMap()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the benchmark under " + dir + ": " + e.getMessage(), e);
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("endpoint", report.endpoint());
    metrics.put("model", report.model());
    metrics.put("tool", report.tool());
    metrics.put("failed_requests", report.failed());
    metrics.put("p95_budget_ms", p95BudgetMs);
    report.best(p95BudgetMs).ifPresent(l -> {
      LoadReport.Figures f = Objects.requireNonNull(l.figures());
      metrics.put("best_concurrency", l.concurrency());
      if (!Double.isNaN(f.outputTokensPerSecond())) {
        metrics.put("output_tokens_per_s", round(f.outputTokensPerSecond()));
      }
      metrics.put("requests_per_s", round(f.requestsPerSecond()));
      metrics.put("latency_p50_ms", round(f.latencyP50()));
      metrics.put("latency_p95_ms", round(f.latencyP95()));
      metrics.put("latency_p99_ms", round(f.latencyP99()));
      if (!Double.isNaN(f.ttftP50())) {
        metrics.put("ttft_p50_ms", round(f.ttftP50()));
      }
      if (!Double.isNaN(f.itlP50())) {
        metrics.put("itl_p50_ms", round(f.itlP50()));
      }
    });
    metrics.putAll(extra);
    return team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.BENCHMARK, file)
            .withAgent(agentId)
            .withMetrics(metrics)
            .withTags(List.of("nim-benchmark")));
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
