package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.PruneContext;
import io.nemospawn.hpo.Pruner;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Optuna's MedianPruner: after {@code startupTrials} complete trials and {@code warmupSteps}
 * steps, prunes a trial whose best value so far is worse than the median of the complete trials'
 * values at the same step. Stateless and thread-safe.
 */
public final class MedianPruner implements Pruner {
  private final int startupTrials;
  private final int warmupSteps;
  private final int intervalSteps;

  public MedianPruner(int startupTrials, int warmupSteps, int intervalSteps) {
    if (startupTrials < 0 || warmupSteps < 0 || intervalSteps < 1) {
      throw new IllegalArgumentException(
          "Invalid median pruner: n_startup_trials " + startupTrials + " and n_warmup_steps "
              + warmupSteps + " must be >= 0, interval_steps " + intervalSteps + " >= 1.");
    }
    this.startupTrials = startupTrials;
    this.warmupSteps = warmupSteps;
    this.intervalSteps = intervalSteps;
  }

  @Override
  public boolean shouldPrune(PruneContext ctx) {
    FrozenTrial trial = ctx.trial();
    if (trial.lastStep().isEmpty()) {
      return false;
    }
    int step = trial.lastStep().getAsInt();
    if (step < warmupSteps || (step - warmupSteps) % intervalSteps != 0) {
      return false;
    }
    int complete = 0;
    List<Double> others = new ArrayList<>();
    for (FrozenTrial t : ctx.trials()) {
      if (t.state() != TrialState.COMPLETE) {
        continue;
      }
      complete++;
      Double v = t.intermediateValues().get(step);
      if (v != null && !Double.isNaN(v)) {
        others.add(v);
      }
    }
    if (complete < startupTrials || others.isEmpty()) {
      return false;
    }
    Direction dir = ctx.direction();
    double best = Double.NaN;
    for (double v : trial.intermediateValues().values()) {
      if (!Double.isNaN(v) && (Double.isNaN(best) || dir.isBetter(v, best))) {
        best = v;
      }
    }
    if (Double.isNaN(best)) {
      return true;
    }
    Collections.sort(others);
    int n = others.size();
    double median =
        n % 2 == 1 ? others.get(n / 2) : 0.5 * (others.get(n / 2 - 1) + others.get(n / 2));
    return dir.isBetter(median, best);
  }

  @Override
  public String toString() {
    return "MedianPruner[startupTrials=" + startupTrials + ", warmupSteps=" + warmupSteps + "]";
  }
}
