package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.PruneContext;
import io.nemospawn.hpo.Pruner;
import io.nemospawn.hpo.TrialState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Asynchronous Successive Halving (ASHA: Li et al., "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020) with Optuna 3.1's rules: rung r is reached at step {@code
 * minResource * eta^(minEarlyStoppingRate + r)}; there the trial's value joins the values all
 * trials recorded at that rung ({@code completed_rung_<r>}), and it goes on only if it is within
 * the best {@code 1/eta} of them (the best so far when fewer than eta competed). With {@code
 * minResource} "auto" (0 here) nothing is pruned before a trial completes, then {@code
 * minResource = max(lastStep // 100, 1)} of the first trial that completed with reports.
 *
 * <p>Its decisions depend only on the trials in the storage, so they agree across processes; the
 * rung values are kept as sorted numbers between checks ({@link RungIndex}), brought up to date
 * from the trials the storage says changed since the last check ({@link
 * io.nemospawn.hpo.StudyStorage#changesSince}), so a check costs the changed trials and two binary
 * searches, not a pass over the study. Thread-safe.
 */
public final class SuccessiveHalvingPruner implements Pruner {
  private final long minResource;
  private final int eta;
  private final int minEarlyStoppingRate;
  private final int bootstrapCount;

  /**
   * Per study, its rung values as sorted numbers, brought up to date from the trials handed in on
   * every check (see {@link RungIndex}); a cache, never the truth.
   */
  private final Map<String, RungIndex> indexes = new ConcurrentHashMap<>();

  /**
   * @param minResource the first rung's step, 0 for "auto"
   */
  public SuccessiveHalvingPruner(
      long minResource, int eta, int minEarlyStoppingRate, int bootstrapCount) {
    if (minResource < 0) {
      throw new IllegalArgumentException(
          "min_resource " + minResource + " must be >= 1 (or auto).");
    }
    if (eta < 2) {
      throw new IllegalArgumentException("reduction_factor " + eta + " must be >= 2.");
    }
    if (minEarlyStoppingRate < 0) {
      throw new IllegalArgumentException(
          "min_early_stopping_rate " + minEarlyStoppingRate + " must be >= 0.");
    }
    if (bootstrapCount < 0 || (bootstrapCount > 0 && minResource == 0)) {
      throw new IllegalArgumentException(
          "bootstrap_count " + bootstrapCount + " must be >= 0, and 0 when min_resource is auto.");
    }
    this.minResource = minResource;
    this.eta = eta;
    this.minEarlyStoppingRate = minEarlyStoppingRate;
    this.bootstrapCount = bootstrapCount;
  }

  static String rungKey(int rung) {
    return "completed_rung_" + rung;
  }

  /** Returns the first COMPLETE trial (by completion time, then number) that has reports. */
  static @Nullable FrozenTrial firstCompleted(List<FrozenTrial> trials) {
    FrozenTrial first = null;
    for (FrozenTrial t : trials) {
      if (t.state() != TrialState.COMPLETE || t.intermediateValues().isEmpty()) {
        continue;
      }
      if (first == null) {
        first = t;
      } else if (t.complete().isPresent()
          && first.complete().isPresent()
          && t.complete().get().isBefore(first.complete().get())) {
        first = t;
      }
    }
    return first;
  }

  /** Returns the resolved min resource, or 0 while "auto" cannot be resolved yet. */
  long minResource(List<FrozenTrial> trials) {
    if (minResource > 0) {
      return minResource;
    }
    FrozenTrial first = firstCompleted(trials);
    return first == null ? 0 : Math.max(first.lastStep().getAsInt() / 100, 1);
  }

  @Override
  public boolean shouldPrune(PruneContext ctx) {
    FrozenTrial trial = ctx.trial();
    Map.Entry<Integer, Double> last = trial.intermediateValues().lastEntry();
    if (last == null) {
      return false;
    }
    int step = last.getKey();
    double value = last.getValue();
    int rung = 0;
    while (trial.systemAttrs().containsKey(rungKey(rung))) {
      rung++;
    }
    RungIndex index = indexes.computeIfAbsent(ctx.studyName(), k -> new RungIndex());
    synchronized (index) {
      index.update(ctx);
      long r0 = minResource > 0 ? minResource : autoMinResource(index.firstCompleted());
      if (r0 == 0) {
        return false;
      }
      boolean minimize = ctx.direction() == Direction.MINIMIZE;
      while (true) {
        double promotionStep = r0 * Math.pow(eta, minEarlyStoppingRate + rung);
        if (step < promotionStep) {
          return false;
        }
        if (Double.isNaN(value)) {
          return true;
        }
        int competing = index.competitors(rung, trial.number()) + 1;
        boolean promotable = index.isPromotable(rung, value, eta, minimize, trial.number());
        ctx.setSystemAttr(rungKey(rung), Double.toString(value));
        if (competing <= bootstrapCount || !promotable) {
          return true;
        }
        rung++;
      }
    }
  }

  private static long autoMinResource(@Nullable FrozenTrial first) {
    return first == null ? 0 : Math.max(first.lastStep().getAsInt() / 100, 1);
  }

  @Override
  public String toString() {
    return "SuccessiveHalvingPruner[minResource=" + (minResource == 0 ? "auto" : minResource)
        + ", reductionFactor=" + eta + ", minEarlyStoppingRate=" + minEarlyStoppingRate + "]";
  }
}
