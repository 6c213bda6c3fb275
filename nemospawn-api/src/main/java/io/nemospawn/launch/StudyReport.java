package io.nemospawn.launch;

import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What a team's HPO study holds after (or during) a launch. Immutable.
 *
 * @param study the study's name
 * @param trials trials created
 * @param complete trials completed with a value
 * @param pruned trials stopped early by the pruner
 * @param failed trials that failed
 * @param startupTrials how many first trials the sampler draws at random before modelling
 * @param bestStartupValue the best value among the completed startup trials (NaN if none)
 * @param bestModelledValue the best value among the completed later trials (NaN if none)
 * @param earlyStep the latest step every finished trial (completed or pruned) reported, 0 if none
 * @param startupMedianEarly the median value at {@code earlyStep} of the startup trials (NaN if
 *     none): a measure over every trial, pruned ones included, that does not hinge on one lucky
 *     draw
 * @param modelledMedianEarly the same for the later (modelled) trials
 * @param bestTrial the best trial's number, -1 if none completed
 * @param bestValue the best value (NaN if none)
 * @param bestParams the best trial's parameters
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record StudyReport(
    String study,
    int trials,
    int complete,
    int pruned,
    int failed,
    int startupTrials,
    double bestStartupValue,
    double bestModelledValue,
    int earlyStep,
    double startupMedianEarly,
    double modelledMedianEarly,
    int bestTrial,
    double bestValue,
    Map<String, Object> bestParams) {
  /** Validates and copies. */
  public StudyReport {
    Objects.requireNonNull(study, "study");
    bestParams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(bestParams));
  }

  /** Returns an empty report of a study. */
  public static StudyReport empty(String study) {
    return new StudyReport(
        study,
        0,
        0,
        0,
        0,
        0,
        Double.NaN,
        Double.NaN,
        0,
        Double.NaN,
        Double.NaN,
        -1,
        Double.NaN,
        Map.of());
  }
}
