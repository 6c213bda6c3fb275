package io.nemospawn.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.apiguardian.api.API;

/**
 * A health check as data: which metric, compared how, with what threshold, how serious, and what
 * to do. {@link #evaluate} turns metrics into {@link HealthProblem}s; an unknown metric ({@code
 * N/A}) never raises a problem.
 *
 * <pre>{@code
 * List<HealthRule> rules = HealthRule.defaults(10, 85);   // low utilisation < 10 %, hot > 85 °C
 * List<HealthProblem> problems = HealthRule.evaluate(rules, snapshot.metrics());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param name short kebab-case name shown with each problem
 * @param metric what is compared
 * @param comparison how
 * @param threshold the value compared against, in the metric's unit
 * @param severity how serious a breach is
 * @param advice what to do about it, one sentence
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record HealthRule(
    String name,
    Metric metric,
    Comparison comparison,
    double threshold,
    Severity severity,
    String advice) {

  /** Default threshold of {@code low-utilisation} in percent. */
  public static final double DEFAULT_LOW_UTILISATION = 10;

  /** Default threshold of {@code hot} in °C. */
  public static final double DEFAULT_HOT_CELSIUS = 85;

  /** Validates the parts. */
  public HealthRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(comparison, "comparison");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(advice, "advice");
    if (Double.isNaN(threshold)) {
      throw new IllegalArgumentException("Health rule '" + name + "' needs a threshold, got NaN");
    }
  }

  /** Returns the default rules with the default thresholds. */
  public static List<HealthRule> defaults() {
    return defaults(DEFAULT_LOW_UTILISATION, DEFAULT_HOT_CELSIUS);
  }

  /**
   * Returns the default rules: {@code low-utilisation} (below {@code lowUtilPercent}, warning),
   * {@code hot} (above {@code hotCelsius}, warning), {@code ecc-double-bit} (any volatile
   * double-bit error, critical).
   */
  public static List<HealthRule> defaults(double lowUtilPercent, double hotCelsius) {
    return List.of(
        new HealthRule(
            "low-utilisation",
            Metric.UTILISATION,
            Comparison.BELOW,
            lowUtilPercent,
            Severity.WARNING,
            "check that its agent is doing work, or free the GPU"),
        new HealthRule(
            "hot",
            Metric.TEMPERATURE,
            Comparison.ABOVE,
            hotCelsius,
            Severity.WARNING,
            "check cooling and airflow; the GPU throttles when hotter"),
        new HealthRule(
            "ecc-double-bit",
            Metric.ECC_DBE,
            Comparison.ABOVE,
            0,
            Severity.CRITICAL,
            "results on this GPU may be corrupt: drain it, then reset it (nvidia-smi -r) or"
                + " replace it"));
  }

  /** Returns the problems the rules find in the metrics, GPU by GPU, rule by rule. */
  public static List<HealthProblem> evaluate(List<HealthRule> rules, List<GpuMetrics> metrics) {
    List<HealthProblem> problems = new ArrayList<>();
    for (GpuMetrics m : metrics) {
      for (HealthRule r : rules) {
        r.check(m).ifPresent(problems::add);
      }
    }
    return List.copyOf(problems);
  }

  /** Returns the problem this rule finds in one GPU's metrics, if any. */
  public java.util.Optional<HealthProblem> check(GpuMetrics m) {
    double value = metric.read(m);
    if (Double.isNaN(value) || !comparison.breaches(value, threshold)) {
      return java.util.Optional.empty();
    }
    String message = String.format(
        Locale.ROOT,
        "GPU %d: %s %s is %s %s (rule %s); %s",
        m.index(),
        metric.label,
        metric.format(value),
        comparison.word,
        metric.format(threshold),
        name,
        advice);
    return java.util.Optional.of(
        new HealthProblem(m.index(), name, severity, value, threshold, message));
  }

  /** How serious a problem is. */
  public enum Severity {
    /** Worth knowing. */
    INFO,
    /** Worth acting on. */
    WARNING,
    /** Act now: results or hardware are at risk. */
    CRITICAL
  }

  /** How a metric is compared with the threshold. */
  public enum Comparison {
    /** A problem when the value is strictly below the threshold. */
    BELOW("below"),
    /** A problem when the value is strictly above the threshold. */
    ABOVE("above");

    private final String word;

    Comparison(String word) {
      this.word = word;
    }

    boolean breaches(double value, double threshold) {
      return this == BELOW ? value < threshold : value > threshold;
    }
  }

  /** The metrics a rule can read. */
  public enum Metric {
    /** {@link GpuMetrics#utilPercent()}: SM activity, else GPU utilisation, in percent. */
    UTILISATION("utilisation", "%", GpuMetrics::utilPercent),
    /** Memory utilisation in percent. */
    MEMORY_UTILISATION("memory utilisation", "%", GpuMetrics::memUtilPercent),
    /** Temperature in °C. */
    TEMPERATURE("temperature", "°C", GpuMetrics::temperatureC),
    /** Power draw in W. */
    POWER("power draw", "W", GpuMetrics::powerW),
    /** Power draw as a percentage of the enforced limit. */
    POWER_OF_LIMIT("power draw", "% of limit", m -> 100 * m.powerW() / m.powerLimitW()),
    /** Volatile single-bit (corrected) ECC errors. */
    ECC_SBE("single-bit ECC error count", "", m -> m.eccSbe() < 0 ? Double.NaN : m.eccSbe()),
    /** Volatile double-bit (uncorrected) ECC errors. */
    ECC_DBE("double-bit ECC error count", "", m -> m.eccDbe() < 0 ? Double.NaN : m.eccDbe());

    private final String label;
    private final String unit;
    private final ToDoubleFunction<GpuMetrics> reader;

    Metric(String label, String unit, ToDoubleFunction<GpuMetrics> reader) {
      this.label = label;
      this.unit = unit;
      this.reader = reader;
    }

    /** Returns the metric's value in the given readings; NaN when unknown. */
    public double read(GpuMetrics m) {
      return reader.applyAsDouble(m);
    }

    String format(double v) {
      String number = v == Math.rint(v) && Math.abs(v) < 1e15
          ? Long.toString((long) v)
          : String.format(Locale.ROOT, "%.1f", v);
      return unit.isEmpty() ? number : number + " " + unit;
    }
  }
}
