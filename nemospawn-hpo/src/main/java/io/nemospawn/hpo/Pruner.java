package io.nemospawn.hpo;

import java.util.List;
import org.apiguardian.api.API;

/**
 * Decides after each intermediate report whether a trial should stop early. Implementations:
 * {@link Pruners}. Implementations must be thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Pruner {
  /** Returns whether the trial in {@code context} should be pruned now. */
  boolean shouldPrune(PruneContext context);

  /**
   * Returns the trials the sampler may learn from when it samples trial {@code trialNumber}; all
   * of them by default, only those of the same bracket for Hyperband.
   */
  default List<FrozenTrial> samplerView(
      String studyName, List<FrozenTrial> trials, int trialNumber) {
    return trials;
  }
}
