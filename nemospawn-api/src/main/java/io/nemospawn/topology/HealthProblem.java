package io.nemospawn.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A breach of a {@link HealthRule} on one GPU.
 *
 * <p>Immutable and thread-safe.
 *
 * @param gpu the GPU index
 * @param rule the rule's name
 * @param severity how serious
 * @param value the value read
 * @param threshold the rule's threshold
 * @param message one line that names the GPU, the value, the rule and what to do
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record HealthProblem(
    int gpu,
    String rule,
    HealthRule.Severity severity,
    double value,
    double threshold,
    String message) {

  /** Validates the parts. */
  public HealthProblem {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
  }

  /** Returns the problem as a map for JSON output. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("gpu_id", gpu);
    m.put("rule", rule);
    m.put("severity", severity.name().toLowerCase(java.util.Locale.ROOT));
    m.put("value", value);
    m.put("threshold", threshold);
    m.put("message", message);
    return m;
  }
}
