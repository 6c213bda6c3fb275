package io.nemospawn.hpo;

import io.nemospawn.hpo.internal.TomlSpace;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A study's settings as the reference tool's HPO TOML file gives them:
 *
 * <pre>{@code
 * [search_space]
 * lr = { type = "loguniform", low = 1e-5, high = 1e-1 }
 * dropout = { type = "uniform", low = 0.0, high = 0.5 }
 * layers = { type = "int", low = 1, high = 8 }
 * optimizer = { type = "categorical", choices = ["adam", "sgd"] }
 * [objective]
 * metric = "val_loss"
 * direction = "minimize"
 * [budget]
 * max_trials = 50
 * min_steps_before_prune = 5
 * }</pre>
 *
 * Our additions (ignored by the reference tool): {@code [sampler] type = "tpe"|"random"|"genetic"}
 * and {@code [pruner] type = "asha"|"checked-asha"|"hyperband"|"median"|"none"} (defaults: TPE with constant liar,
 * ASHA), {@code step} and {@code log} keys on {@code uniform}/{@code float}/{@code int}.
 *
 * @param maxTrials 0 for no limit
 * @param minStepsBeforePrune 0 for none: ASHA's min resource ("auto" if 0), Hyperband's min
 *     resource, the median pruner's warm-up
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record HpoConfig(
    SearchSpace space,
    String metric,
    Direction direction,
    int maxTrials,
    int minStepsBeforePrune,
    String sampler,
    String pruner) {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> SAMPLERS = Set.of("tpe", "random", "genetic");
  private static final Set<String> PRUNERS =
      Set.of("asha", "checked-asha", "hyperband", "median", "none");

  /** Validates. */
  public HpoConfig {
    Objects.requireNonNull(space, "space");
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(direction, "direction");
    sampler = sampler.toLowerCase(Locale.ROOT);
    pruner = pruner.toLowerCase(Locale.ROOT);
    if (!SAMPLERS.contains(sampler)) {
      throw new IllegalArgumentException(
          "Unknown sampler '" + sampler + "': use one of tpe, random, genetic.");
    }
    if (!PRUNERS.contains(pruner)) {
      throw new IllegalArgumentException("Unknown pruner '" + pruner
          + "': use one of asha, checked-asha, hyperband, median, none.");
    }
    if (maxTrials < 0 || minStepsBeforePrune < 0) {
      throw new IllegalArgumentException("max_trials " + maxTrials + " and min_steps_before_prune "
          + minStepsBeforePrune + " must be >= 0.");
    }
  }

  /** Returns a config with defaults around a space. */
  public static HpoConfig of(SearchSpace space) {
    return new HpoConfig(space, "val_loss", Direction.MINIMIZE, 0, 0, "tpe", "asha");
  }

  /**
   * Parses TOML text; {@code source} names it in messages.
   *
   * @throws IllegalArgumentException for a syntax error, an unknown parameter type or a bad
   *     value, naming the line
   */
  public static HpoConfig parse(String toml, String source) {
    return TomlSpace.parse(toml, source);
  }

  /** Reads and parses a TOML file. */
  public static HpoConfig read(Path file) {
    return TomlSpace.read(file);
  }

  /** Returns the sampler this config names. */
  public Sampler newSampler() {
    switch (sampler) {
      case "random":
        return Samplers.random();
      case "genetic":
        return Samplers.genetic().build();
      default:
        return Samplers.tpe().constantLiar(true).build();
    }
  }

  /** Returns the pruner this config names. */
  public Pruner newPruner() {
    switch (pruner) {
      case "hyperband":
        return Pruners.hyperband().minResource(Math.max(1, minStepsBeforePrune)).build();
      case "median":
        return Pruners.median(5, minStepsBeforePrune, 1);
      case "none":
        return Pruners.none();
      case "checked-asha":
        var c = Pruners.rankCheckedHalving();
        if (minStepsBeforePrune > 0) {
          c.minResource(minStepsBeforePrune);
        }
        return c.build();
      default:
        var b = Pruners.successiveHalving();
        if (minStepsBeforePrune > 0) {
          b.minResource(minStepsBeforePrune);
        }
        return b.build();
    }
  }

  /** Returns this config as JSON (stored with the study). */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.set("search_space", JSON.readTree(space.toJson()));
    n.put("metric", metric);
    n.put("direction", direction.name().toLowerCase(Locale.ROOT));
    n.put("max_trials", maxTrials);
    n.put("min_steps_before_prune", minStepsBeforePrune);
    n.put("sampler", sampler);
    n.put("pruner", pruner);
    return JSON.writeValueAsString(n);
  }

  /** Parses {@link #toJson()}. */
  public static HpoConfig fromJson(String json) {
    JsonNode n = JSON.readTree(json);
    return new HpoConfig(
        SearchSpace.fromJson(n.get("search_space").toString()),
        n.path("metric").asString("val_loss"),
        Direction.parse(n.path("direction").asString("minimize")),
        n.path("max_trials").asInt(0),
        n.path("min_steps_before_prune").asInt(0),
        n.path("sampler").asString("tpe"),
        n.path("pruner").asString("asha"));
  }
}
