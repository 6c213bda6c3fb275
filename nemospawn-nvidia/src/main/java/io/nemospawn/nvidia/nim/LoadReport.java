package io.nemospawn.nvidia.nim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * What a load test measured, per concurrency level. Times are in milliseconds. A level where no
 * request succeeded has no {@link Figures} (never zeros); its errors say what went wrong.
 *
 * @param endpoint the base URL loaded
 * @param route the route, {@code /v1/chat/completions}
 * @param stream whether answers were streamed
 * @param model the model id sent
 * @param inputTokens words per prompt
 * @param outputTokens {@code max_tokens} per request
 * @param tool what measured: {@code nemospawn}, {@code perf_analyzer} or {@code genai-perf}
 * @param levels one entry per concurrency level, in order
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record LoadReport(
    String endpoint,
    String route,
    boolean stream,
    String model,
    int inputTokens,
    int outputTokens,
    String tool,
    List<Level> levels) {

  /** Copies the list. */
  public LoadReport {
    levels = List.copyOf(levels);
  }

  /**
   * The figures of the requests that succeeded at one level.
   *
   * @param latencyP50 end-to-end latency, median
   * @param latencyP95 95th percentile
   * @param latencyP99 99th percentile
   * @param latencyMean mean
   * @param ttftP50 time to first token, median (NaN when not streamed)
   * @param ttftP95 95th percentile (NaN when not streamed)
   * @param ttftP99 99th percentile (NaN when not streamed)
   * @param itlP50 inter-token latency, median over every gap (NaN when not streamed)
   * @param itlP99 99th percentile (NaN when not streamed)
   * @param requestsPerSecond requests that succeeded per second of the level's wall time
   * @param outputTokensPerSecond answer tokens of those requests per second of wall time
   */
  public record Figures(
      double latencyP50,
      double latencyP95,
      double latencyP99,
      double latencyMean,
      double ttftP50,
      double ttftP95,
      double ttftP99,
      double itlP50,
      double itlP99,
      double requestsPerSecond,
      double outputTokensPerSecond) {}

  /**
   * One concurrency level.
   *
   * @param concurrency requests in flight at once
   * @param requests requests sent
   * @param succeeded requests that got a complete answer
   * @param errors failed requests by kind ({@code http_500}, {@code timeout}, {@code
   *     connection_refused}, …)
   * @param seconds wall time of the level
   * @param figures the figures, or null when nothing succeeded
   */
  public record Level(
      int concurrency,
      int requests,
      int succeeded,
      Map<String, Integer> errors,
      double seconds,
      @Nullable Figures figures) {
    /** Copies the map. */
    public Level {
      errors = Map.copyOf(errors);
    }

    /** Returns the number of failed requests. */
    public int failed() {
      return requests - succeeded;
    }

    static Level of(int concurrency, int total, long wallNs, List<LoadGenerator.Sample> samples) {
      List<Double> lat = new ArrayList<>();
      List<Double> ttft = new ArrayList<>();
      List<Double> gaps = new ArrayList<>();
      long tokens = 0;
      for (LoadGenerator.Sample s : samples) {
        if (s.error() != null) {
          continue;
        }
        lat.add(s.latencyNs() / 1e6);
        if (s.ttftNs() >= 0) {
          ttft.add(s.ttftNs() / 1e6);
        }
        s.gapsNs().forEach(g -> gaps.add(g / 1e6));
        tokens += s.outputTokens();
      }
      double seconds = wallNs / 1e9;
      Figures f = lat.isEmpty()
          ? null
          : new Figures(
              percentile(lat, 50),
              percentile(lat, 95),
              percentile(lat, 99),
              lat.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
              percentile(ttft, 50),
              percentile(ttft, 95),
              percentile(ttft, 99),
              percentile(gaps, 50),
              percentile(gaps, 99),
              lat.size() / seconds,
              tokens / seconds);
      return new Level(
          concurrency, total, lat.size(), LoadGenerator.countErrors(samples), seconds, f);
    }
  }

  /**
   * Returns the nearest-rank percentile (the smallest value with at least {@code p}% of the values
   * at or below it), or NaN for no values.
   */
  public static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int rank = (int) Math.ceil(p / 100.0 * v.length);
    return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
  }

  /** Returns whether any request at any level succeeded. */
  public boolean anySucceeded() {
    return levels.stream().anyMatch(l -> l.figures() != null);
  }

  /** Returns the number of failed requests over all levels. */
  public int failed() {
    return levels.stream().mapToInt(Level::failed).sum();
  }

  /**
   * Returns the level with the most output tokens per second (requests per second where the
   * tool measured no tokens) among those whose p95 latency is within the budget (milliseconds), if
   * any.
   */
  public Optional<Level> best(double p95BudgetMs) {
    Level best = null;
    for (Level l : levels) {
      Figures f = l.figures();
      if (f != null
          && f.latencyP95() <= p95BudgetMs
          && (best == null || rate(f) > rate(Objects.requireNonNull(best.figures())))) {
        best = l;
      }
    }
    return Optional.ofNullable(best);
  }

  private static double rate(Figures f) {
    return Double.isNaN(f.outputTokensPerSecond())
        ? f.requestsPerSecond()
        : f.outputTokensPerSecond();
  }

  /** Returns the report as plain maps and lists (JSON-ready); NaN figures are left out. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", endpoint);
    m.put("route", route);
    m.put("stream", stream);
    m.put("model", model);
    m.put("input_tokens", inputTokens);
    m.put("output_tokens", outputTokens);
    m.put("tool", tool);
    List<Object> ls = new ArrayList<>();
    for (Level l : levels) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("concurrency", l.concurrency());
      x.put("requests", l.requests());
      x.put("succeeded", l.succeeded());
      x.put("failed", l.failed());
      x.put("errors", new java.util.TreeMap<>(l.errors()));
      x.put("seconds", round(l.seconds()));
      Figures f = l.figures();
      if (f != null) {
        put(x, "latency_p50_ms", f.latencyP50());
        put(x, "latency_p95_ms", f.latencyP95());
        put(x, "latency_p99_ms", f.latencyP99());
        put(x, "latency_mean_ms", f.latencyMean());
        put(x, "ttft_p50_ms", f.ttftP50());
        put(x, "ttft_p95_ms", f.ttftP95());
        put(x, "ttft_p99_ms", f.ttftP99());
        put(x, "itl_p50_ms", f.itlP50());
        put(x, "itl_p99_ms", f.itlP99());
        put(x, "requests_per_s", f.requestsPerSecond());
        put(x, "output_tokens_per_s", f.outputTokensPerSecond());
      }
      ls.add(x);
    }
    m.put("levels", ls);
    return m;
  }

  private static void put(Map<String, Object> m, String k, double v) {
    if (!Double.isNaN(v)) {
      m.put(k, round(v));
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
