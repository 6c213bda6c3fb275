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
 * Successive halving that prunes at a rung only while that rung's ranking is seen to hold up to the
 * final values. ASHA's rungs and promotion rule (Li et al., MLSys 2020) are kept, with the same
 * {@code completed_rung_<r>} trial attributes; before a trial that ASHA would stop at rung r is
 * stopped, the pruner checks the chain of links from the rung to the end: rung r's step to rung
 * r+1's, ..., the last rung's step to the final value. A link between two rungs is measured over
 * every trial that reported at or after the later step, whatever its state (running, pruned later,
 * complete), the last link over the COMPLETE trials. A link holds when, among the better half of
 * its trials by the later value (the part of the ranking ASHA's decision is about; crossing curves
 * often agree on the worst and reorder the best), at least {@code minCompleted} trials, the
 * one-sided 95 % lower confidence bound of Spearman's correlation between the earlier and the later
 * values is at least {@code minCorrelation}. Otherwise the trial goes on to the next rung, where
 * the check repeats. Where early values predict final ones, every short link is strong and the
 * early links have many trials, so the rungs open after about ten completed trials; where learning
 * curves cross, some link fails, and no rung before the crossing prunes, so it loses nothing
 * against running every trial to the end.
 *
 * <p>The first version measured one correlation, from the rung to the final value over the
 * completed trials; far from the end that correlation is weak (a step-1 value against a step-100
 * one), so it needed twice as many completed trials before the first rung opened. The chain
 * follows the suggestion of measuring each rung against the next; the idea of stopping
 * early only where the evidence says the early ranking holds is that of learning-curve
 * extrapolation (Domhan et al., IJCAI 2015) and of PASHA's rank-consistency check (Bohdal et al.,
 * ICLR 2023).
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
   * @param minCompleted trials in the better half of each link's trials needed before a rung may
   *     prune (>= 3; so twice as many trials, and at the last link twice as many complete ones)
   * @param minCorrelation the lower bound of the Spearman correlation, in [-1, 1], each link needs
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
          && rungRanksLikeFinal(all, r0, rung, trial.number(), ctx.direction())) {
        return true;
      }
      rung++;
    }
  }

  /**
   * Returns whether rung {@code rung}'s ranking is seen to hold up to the final values: every link
   * of the chain of rung steps from this rung on, {@code s_r -> s_(r+1) -> ... -> s_K -> final}
   * ({@code s_K} the last rung before the final step), passes {@link #linkHolds}. A link between
   * two rungs is measured over every trial other than {@code exclude} that reported at or after
   * the later step, whatever its state (running and pruned trials too, so the early links have far
   * more samples than the completed trials); the last link over the COMPLETE trials. Crossing
   * curves break at least one link (they reorder the best trials late), so no rung before the
   * crossing prunes; where early values predict final ones, every link is strong and the links
   * are short, so far fewer trials open the gate than one correlation from the rung to the end.
   */
  boolean rungRanksLikeFinal(
      List<FrozenTrial> trials, long r0, int rung, int exclude, Direction direction) {
    FrozenTrial first = SuccessiveHalvingPruner.firstCompleted(trials);
    if (first == null) {
      return false;
    }
    int finalStep = first.lastStep().getAsInt();
    boolean maximize = direction == Direction.MAXIMIZE;
    int from = rungStep(r0, rung);
    while (from < finalStep) {
      int to = rungStep(r0, rung + 1);
      List<double[]> pairs = new ArrayList<>();
      for (FrozenTrial t : trials) {
        if (t.number() == exclude) {
          continue;
        }
        var a = t.intermediateValues().floorEntry(from);
        if (a == null || !Double.isFinite(a.getValue())) {
          continue;
        }
        double later;
        if (to < finalStep) {
          var b = t.intermediateValues().floorEntry(to);
          if (b == null || b.getKey() <= from || t.lastStep().getAsInt() < to) {
            continue;
          }
          later = b.getValue();
        } else {
          if (t.state() != TrialState.COMPLETE) {
            continue;
          }
          later = t.rawValue();
        }
        if (Double.isFinite(later)) {
          pairs.add(new double[] {a.getValue(), later});
        }
      }
      if (!linkHolds(pairs, maximize)) {
        return false;
      }
      from = to;
      rung++;
    }
    return true;
  }

  private int rungStep(long r0, int rung) {
    return (int) Math.min(r0 * Math.pow(eta, minEarlyStoppingRate + rung), Integer.MAX_VALUE);
  }

  /**
   * Returns whether the earlier values of {@code pairs} ({earlier, later}) rank the better half of
   * them by the later value as the later values do: that half holds at least {@code minCompleted}
   * pairs and the lower confidence bound of its Spearman correlation is at least {@code
   * minCorrelation}. The better half, because ASHA's decision is about the top of the ranking,
   * which is where crossing curves reorder.
   */
  boolean linkHolds(List<double[]> pairs, boolean maximize) {
    int half = pairs.size() / 2;
    if (half < minCompleted) {
      return false;
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
    return lowerBound(spearman(a, b), half) >= minCorrelation;
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
