package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.PruneContext;
import io.nemospawn.hpo.Pruner;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Successive halving that prunes at a rung only while that rung's values are seen to rank trials
 * as their final values do. ASHA's rungs and promotion rule (Li et al., MLSys 2020) are kept,
 * with the same {@code completed_rung_<r>} trial attributes; before a trial that ASHA would stop
 * at rung r is stopped, the pruner measures online, over the COMPLETE trials that reported at or
 * before rung r's step, Spearman's rank correlation between their value there and their final
 * value, among the better half of them by final value (the part of the ranking ASHA's decision
 * is about; crossing curves often agree on the worst and reorder the best). It prunes only when
 * that half holds at least {@code minCompleted} trials and the one-sided 95 % lower confidence
 * bound of the correlation is at least {@code minCorrelation}; otherwise the trial goes on to the next rung, where the
 * check repeats. Where early values predict final ones (high correlation), it prunes as ASHA
 * does; where learning curves cross (low or negative correlation), it does not prune, so it
 * loses nothing against running every trial to the end. Trials that ASHA promoted complete too,
 * so the estimate keeps being updated (it is range-restricted by promotion, which lowers the
 * correlation: the error is on the side of pruning less).
 *
 * <p>The rule follows the observation behind learning-curve based early stopping (Domhan et al.,
 * IJCAI 2015) and the rank-consistency check of PASHA (Bohdal et al., ICLR 2023): stop early
 * only where the evidence says the early ranking holds.
 *
 * <p>Stateless (all state is in the storage), so thread-safe and consistent across processes.
 */
public final class RankCheckedHalvingPruner implements Pruner {
  private final long minResource;
  private final int eta;
  private final int minEarlyStoppingRate;
  private final int minCompleted;
  private final double minCorrelation;

  /**
   * @param minResource the first rung's step, 0 for "auto" (as ASHA's)
   * @param minCompleted trials in the better half of the COMPLETE trials with a value at a rung
   *     needed before it may prune (>= 3; so twice as many complete trials)
   * @param minCorrelation the Spearman correlation, in [-1, 1], a rung needs to prune
   */
  public RankCheckedHalvingPruner(
      long minResource,
      int eta,
      int minEarlyStoppingRate,
      int minCompleted,
      double minCorrelation) {
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
    if (minCompleted < 3) {
      throw new IllegalArgumentException(
          "min_completed " + minCompleted + " must be >= 3 (a rank correlation needs 3 trials).");
    }
    if (!(minCorrelation >= -1 && minCorrelation <= 1)) {
      throw new IllegalArgumentException(
          "min_correlation " + minCorrelation + " must be in [-1, 1].");
    }
    this.minResource = minResource;
    this.eta = eta;
    this.minEarlyStoppingRate = minEarlyStoppingRate;
    this.minCompleted = minCompleted;
    this.minCorrelation = minCorrelation;
  }

  private long minResource(List<FrozenTrial> trials) {
    if (minResource > 0) {
      return minResource;
    }
    FrozenTrial first = SuccessiveHalvingPruner.firstCompleted(trials);
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
    while (trial.systemAttrs().containsKey(SuccessiveHalvingPruner.rungKey(rung))) {
      rung++;
    }
    List<FrozenTrial> all = ctx.trials();
    long r0 = minResource(all);
    if (r0 == 0) {
      return false;
    }
    while (true) {
      double promotionStep = r0 * Math.pow(eta, minEarlyStoppingRate + rung);
      if (step < promotionStep) {
        return false;
      }
      if (Double.isNaN(value)) {
        return true;
      }
      String key = SuccessiveHalvingPruner.rungKey(rung);
      List<Double> competing = new ArrayList<>();
      for (FrozenTrial t : all) {
        if (t.number() != trial.number()) {
          String json = t.systemAttrs().get(key);
          if (json != null) {
            competing.add(Double.parseDouble(json));
          }
        }
      }
      competing.add(value);
      ctx.setSystemAttr(key, Double.toString(value));
      if (!isPromotable(value, competing, ctx.direction())
          && rankCorrelation(
                  all, (long) promotionStep, trial.number(), ctx.direction() == Direction.MAXIMIZE)
              >= minCorrelation) {
        return true;
      }
      rung++;
    }
  }

  /**
   * Returns the lower confidence bound of Spearman's correlation between the value at or before {@code step} and the final
   * value over the better half (by final value) of the COMPLETE trials other than {@code
   * exclude}, or NaN when that half holds fewer than {@code minCompleted} trials.
   */
  double rankCorrelation(List<FrozenTrial> trials, long step, int exclude, boolean maximize) {
    List<double[]> pairs = new ArrayList<>();
    for (FrozenTrial t : trials) {
      if (t.number() == exclude || t.state() != TrialState.COMPLETE) {
        continue;
      }
      double fin = t.rawValue();
      var at = t.intermediateValues().floorEntry((int) Math.min(step, Integer.MAX_VALUE));
      if (at == null || !Double.isFinite(fin) || !Double.isFinite(at.getValue())) {
        continue;
      }
      pairs.add(new double[] {at.getValue(), fin});
    }
    // ASHA's decision is about the top of the ranking: measure it among the better half of the
    // trials by final value (where crossing curves reorder), with at least minCompleted of them
    int half = pairs.size() / 2;
    if (half < minCompleted) {
      return Double.NaN;
    }
    pairs.sort((x, y) -> Double.compare(x[1], y[1]));
    if (maximize) {
      Collections.reverse(pairs);
    }
    double[] a = new double[half];
    double[] b = new double[half];
    for (int i = 0; i < half; i++) {
      a[i] = pairs.get(i)[0];
      b[i] = pairs.get(i)[1];
    }
    return lowerBound(spearman(a, b), half);
  }

  /**
   * Returns the one-sided 95 % lower confidence bound of a Spearman correlation of n pairs:
   * Fisher's z with Fieller, Hartley and Pearson's (1957) standard error {@code sqrt(1.06 / (n -
   * 3))}, so a few lucky pairs do not open a rung.
   */
  static double lowerBound(double rho, int n) {
    double z = 0.5 * Math.log((1 + rho) / (1 - rho));
    return Math.tanh(z - 1.645 * Math.sqrt(1.06 / (n - 3)));
  }

  /** Spearman's rho with average ranks for ties; 0 when either side is constant. */
  static double spearman(double[] a, double[] b) {
    double[] ra = ranks(a);
    double[] rb = ranks(b);
    int n = a.length;
    double ma = 0;
    double mb = 0;
    for (int i = 0; i < n; i++) {
      ma += ra[i];
      mb += rb[i];
    }
    ma /= n;
    mb /= n;
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < n; i++) {
      sab += (ra[i] - ma) * (rb[i] - mb);
      saa += (ra[i] - ma) * (ra[i] - ma);
      sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
  }

  private static double[] ranks(double[] v) {
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (x, y) -> Double.compare(v[x], v[y]));
    double[] r = new double[v.length];
    int i = 0;
    while (i < idx.length) {
      int j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] == v[idx[i]]) {
        j++;
      }
      double avg = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        r[idx[k]] = avg;
      }
      i = j + 1;
    }
    return r;
  }

  private boolean isPromotable(double value, List<Double> competing, Direction dir) {
    int i = Math.max(competing.size() / eta - 1, 0);
    if (dir == Direction.MINIMIZE) {
      Collections.sort(competing);
      return value <= competing.get(i);
    }
    competing.sort(Collections.reverseOrder());
    return value >= competing.get(i);
  }

  @Override
  public String toString() {
    return "RankCheckedHalvingPruner[minResource=" + (minResource == 0 ? "auto" : minResource)
        + ", reductionFactor=" + eta + ", minCompleted=" + minCompleted + ", minCorrelation="
        + minCorrelation + "]";
  }
}
