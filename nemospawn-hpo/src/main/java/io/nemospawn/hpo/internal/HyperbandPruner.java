package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.PruneContext;
import io.nemospawn.hpo.Pruner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Hyperband (Li et al., JMLR 2018) as Optuna 3.1 runs it: {@code n} brackets of asynchronous
 * successive halving that differ in their early-stopping rate; a trial's bracket is fixed by
 * {@code crc32("<study>_<number>")} over the brackets' budgets, and both the bracket's pruner and
 * the sampler see only the trials of that bracket. With {@code maxResource} "auto" (0), it waits
 * for the first trial to complete with reports: {@code maxResource = lastStep + 1}.
 *
 * <p>Stateless, so thread-safe and consistent across processes.
 */
public final class HyperbandPruner implements Pruner {
  private final long minResource;
  private final long maxResource;
  private final int eta;
  private final int bootstrapCount;

  public HyperbandPruner(long minResource, long maxResource, int eta, int bootstrapCount) {
    if (minResource < 1) {
      throw new IllegalArgumentException("min_resource " + minResource + " must be >= 1.");
    }
    if (maxResource != 0 && maxResource < minResource) {
      throw new IllegalArgumentException("max_resource " + maxResource + " must be >= min_resource "
          + minResource + " (or auto).");
    }
    if (eta < 2) {
      throw new IllegalArgumentException("reduction_factor " + eta + " must be >= 2.");
    }
    this.minResource = minResource;
    this.maxResource = maxResource;
    this.eta = eta;
    this.bootstrapCount = bootstrapCount;
  }

  /** Returns the number of brackets, or 0 before initialisation. */
  int brackets(List<FrozenTrial> trials) {
    long max = maxResource;
    if (max == 0) {
      FrozenTrial first = SuccessiveHalvingPruner.firstCompleted(trials);
      if (first == null) {
        return 0;
      }
      max = first.lastStep().getAsInt() + 1L;
    }
    return (int) Math.floor(Math.log((double) max / minResource) / Math.log(eta)) + 1;
  }

  /** Returns the bracket of a trial among {@code n} brackets. */
  int bracketOf(String study, int number, int n) {
    long[] budgets = new long[n];
    long total = 0;
    for (int b = 0; b < n; b++) {
      int s = n - 1 - b;
      budgets[b] = (long) Math.ceil(n * Math.pow(eta, s) / (s + 1));
      total += budgets[b];
    }
    CRC32 crc = new CRC32();
    crc.update((study + "_" + number).getBytes(StandardCharsets.UTF_8));
    long id = crc.getValue() % total;
    for (int b = 0; b < n; b++) {
      id -= budgets[b];
      if (id < 0) {
        return b;
      }
    }
    throw new AssertionError("bracket walk ran past the total budget");
  }

  @Override
  public List<FrozenTrial> samplerView(String study, List<FrozenTrial> trials, int number) {
    int n = brackets(trials);
    if (n == 0) {
      return trials;
    }
    int b = bracketOf(study, number, n);
    List<FrozenTrial> out = new ArrayList<>();
    for (FrozenTrial t : trials) {
      if (bracketOf(study, t.number(), n) == b) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public boolean shouldPrune(PruneContext ctx) {
    int n = brackets(ctx.trials());
    if (n == 0) {
      return false;
    }
    int b = bracketOf(ctx.studyName(), ctx.trial().number(), n);
    List<FrozenTrial> same =
        samplerView(ctx.studyName(), ctx.trials(), ctx.trial().number());
    SuccessiveHalvingPruner sha = new SuccessiveHalvingPruner(minResource, eta, b, bootstrapCount);
    return sha.shouldPrune(new PruneContext() {
      @Override
      public String studyName() {
        return ctx.studyName();
      }

      @Override
      public Direction direction() {
        return ctx.direction();
      }

      @Override
      public List<FrozenTrial> trials() {
        return same;
      }

      @Override
      public FrozenTrial trial() {
        return ctx.trial();
      }

      @Override
      public void setSystemAttr(String key, String json) {
        ctx.setSystemAttr(key, json);
      }
    });
  }

  @Override
  public String toString() {
    return "HyperbandPruner[minResource=" + minResource + ", maxResource="
        + (maxResource == 0 ? "auto" : maxResource) + ", reductionFactor=" + eta + "]";
  }
}
