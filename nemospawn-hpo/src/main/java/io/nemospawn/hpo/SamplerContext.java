package io.nemospawn.hpo;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What a {@link Sampler} sees when it suggests parameters for one trial: the study's trials (all
 * states, in number order, already narrowed to the trial's Hyperband bracket where that applies),
 * the direction, the trial's number and the parameters it already has.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record SamplerContext(
    String studyName,
    Direction direction,
    List<FrozenTrial> trials,
    int trialNumber,
    Map<String, Double> currentParams) {
  /** Validates and copies. */
  public SamplerContext {
    Objects.requireNonNull(studyName, "studyName");
    Objects.requireNonNull(direction, "direction");
    trials = List.copyOf(trials);
    currentParams = Map.copyOf(currentParams);
  }
}
