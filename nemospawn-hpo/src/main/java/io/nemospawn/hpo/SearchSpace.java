package io.nemospawn.hpo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The parameters a study searches, by name, in declaration order (samplers suggest them in that
 * order).
 *
 * <pre>{@code
 * SearchSpace space = SearchSpace.builder()
 *     .logFloat("lr", 1e-5, 1e-1)
 *     .floatParam("dropout", 0.0, 0.5)
 *     .intParam("layers", 1, 8)
 *     .categorical("optimizer", "adam", "sgd")
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; the builder is not thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record SearchSpace(Map<String, Distribution> params) {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Copies the map, keeping its order. */
  public SearchSpace {
    Objects.requireNonNull(params, "params");
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  /** Returns a space without parameters (for define-by-run use). */
  public static SearchSpace empty() {
    return new SearchSpace(Map.of());
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.params.putAll(params);
    return b;
  }

  /** Returns the space as a JSON object of Optuna distribution JSON strings by name. */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    params.forEach((k, d) -> n.set(k, JSON.readTree(d.toJson())));
    return JSON.writeValueAsString(n);
  }

  /** Parses {@link #toJson()}. */
  public static SearchSpace fromJson(String json) {
    Builder b = builder();
    JsonNode n = JSON.readTree(json);
    n.properties()
        .forEach(e -> b.param(e.getKey(), Distribution.fromJson(e.getValue().toString())));
    return b.build();
  }

  /** Collects parameters; the last definition of a name wins. */
  public static final class Builder {
    private final Map<String, Distribution> params = new LinkedHashMap<>();

    private Builder() {}

    /** Adds a parameter with any distribution. */
    public Builder param(String name, Distribution distribution) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(distribution, "distribution");
      if (name.isBlank()) {
        throw new IllegalArgumentException("A parameter name must not be blank.");
      }
      params.put(name, distribution);
      return this;
    }

    public Builder floatParam(String name, double low, double high) {
      return param(name, FloatDistribution.of(low, high));
    }

    public Builder logFloat(String name, double low, double high) {
      return param(name, FloatDistribution.logOf(low, high));
    }

    public Builder steppedFloat(String name, double low, double high, double step) {
      return param(name, FloatDistribution.stepped(low, high, step));
    }

    public Builder intParam(String name, long low, long high) {
      return param(name, IntDistribution.of(low, high));
    }

    public Builder steppedInt(String name, long low, long high, long step) {
      return param(name, IntDistribution.stepped(low, high, step));
    }

    public Builder logInt(String name, long low, long high) {
      return param(name, IntDistribution.logOf(low, high));
    }

    public Builder categorical(String name, Object... choices) {
      return param(name, CategoricalDistribution.of(choices));
    }

    public SearchSpace build() {
      return new SearchSpace(params);
    }

    @Override
    public String toString() {
      return "SearchSpace.Builder" + params;
    }
  }
}
