package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Sampler;
import io.nemospawn.hpo.SamplerContext;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Tree-structured Parzen Estimator sampler (Bergstra et al., NeurIPS 2011) with Optuna 3.1's
 * semantics and defaults: random startup trials, a split of the finished trials into the best
 * {@code gamma(n)} ("below") and the rest ("above"), pruned trials ranked by their last step,
 * ramp weights, a prior kernel, the magic clip, and the EI-ratio {@code log l(x) - log g(x)} over
 * 24 candidates drawn from l. Options: multivariate (product kernels over the intersection search
 * space), group (one joint estimator per set of parameters that always co-occur), constant liar
 * (running trials count as the worst observations, so parallel workers spread out).
 *
 * <p>Thread-safe: draws are serialised on the generator.
 */
public final class TpeSampler implements Sampler {
  private static final Logger log = LoggerFactory.getLogger(TpeSampler.class);

  /** All settings; see {@code Samplers.TpeBuilder}. */
  public record Settings(
      ParzenEstimator.Options parzen,
      int startupTrials,
      int eiCandidates,
      IntUnaryOperator gamma,
      IntFunction<double[]> weights,
      boolean multivariate,
      boolean group,
      boolean constantLiar) {}

  private final Settings s;
  private final RandomGenerator rng;

  public TpeSampler(Settings settings, RandomGenerator rng) {
    this.s = Objects.requireNonNull(settings, "settings");
    this.rng = Objects.requireNonNull(rng, "rng");
  }

  /** Builds the parzen options from public settings. */
  public static ParzenEstimator.Options parzen(
      boolean considerPrior,
      double priorWeight,
      boolean magicClip,
      boolean considerEndpoints,
      boolean optuna31Density) {
    return new ParzenEstimator.Options(
        considerPrior, priorWeight, magicClip, considerEndpoints, optuna31Density);
  }

  /** The below/above split of one trial history. */
  record Split(List<FrozenTrial> below, List<FrozenTrial> above, int finished) {}

  /** The last split, reused while the same trial asks with the same history. */
  private volatile Object @Nullable [] lastSplit;

  Split split(SamplerContext ctx) {
    Object[] cached = lastSplit;
    if (cached != null && cached[0] == ctx.trials() && (int) cached[1] == ctx.trialNumber()) {
      return (Split) cached[2];
    }
    Split split = computeSplit(ctx);
    lastSplit = new Object[] {ctx.trials(), ctx.trialNumber(), split};
    return split;
  }

  private Split computeSplit(SamplerContext ctx) {
    Direction dir = ctx.direction();
    List<FrozenTrial> considered = new ArrayList<>();
    int finished = 0;
    for (FrozenTrial t : ctx.trials()) {
      if (t.number() == ctx.trialNumber()) {
        continue;
      }
      if (t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED) {
        considered.add(t);
        finished++;
      } else if (s.constantLiar() && t.state() == TrialState.RUNNING) {
        considered.add(t);
      }
    }
    int n = considered.size();
    double[] rank = new double[n];
    double[] loss = new double[n];
    for (int i = 0; i < n; i++) {
      FrozenTrial t = considered.get(i);
      if (t.state() == TrialState.COMPLETE) {
        rank[i] = Double.NEGATIVE_INFINITY;
        loss[i] = dir.loss(t.rawValue());
      } else if (t.state() == TrialState.PRUNED) {
        if (t.intermediateValues().isEmpty()) {
          rank[i] = 1;
          loss[i] = 0;
        } else {
          var last = t.intermediateValues().lastEntry();
          rank[i] = -last.getKey();
          double v = last.getValue();
          loss[i] = Double.isNaN(v) ? Double.POSITIVE_INFINITY : dir.loss(v);
        }
      } else {
        rank[i] = Double.POSITIVE_INFINITY;
        loss[i] = 0;
      }
      if (Double.isNaN(loss[i])) {
        loss[i] = Double.POSITIVE_INFINITY;
      }
    }
    boolean[] isBelow = IndexSort.smallest(rank, loss, s.gamma().applyAsInt(finished));
    List<FrozenTrial> below = new ArrayList<>();
    List<FrozenTrial> above = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (isBelow[i] ? below : above).add(considered.get(i));
    }
    return new Split(below, above, finished);
  }

  @Override
  public double sampleIndependent(SamplerContext ctx, String name, Distribution d) {
    Split sp = split(ctx);
    synchronized (rng) {
      if (sp.finished() < s.startupTrials() || d.isSingle()) {
        return RandomSampler.sample(d, rng);
      }
      double[] best = sampleGroup(sp, List.of(name), List.of(d), false);
      return best[0];
    }
  }

  @Override
  public Map<String, Double> sampleJoint(SamplerContext ctx, SearchSpace space) {
    if (!s.multivariate()) {
      return Map.of();
    }
    Split sp = split(ctx);
    if (sp.finished() < s.startupTrials()) {
      return Map.of();
    }
    // with groups, every parameter finished trials have (one distribution each) is modelled, one
    // joint estimator per group of parameters that always occur together (Optuna's
    // _GroupDecomposedSearchSpace); without, only those every finished trial has
    Map<String, Distribution> joint = s.group() ? union(ctx, space) : intersection(ctx, space);
    if (joint.isEmpty()) {
      return Map.of();
    }
    List<Set<String>> groups = s.group() ? groups(ctx, joint.keySet()) : List.of(joint.keySet());
    Map<String, Double> out = new LinkedHashMap<>();
    synchronized (rng) {
      for (Set<String> g : groups) {
        List<String> names = new ArrayList<>(g);
        List<Distribution> dists = new ArrayList<>();
        for (String n : names) {
          dists.add(joint.get(n));
        }
        double[] v = sampleGroup(sp, names, dists, true);
        for (int j = 0; j < names.size(); j++) {
          out.put(names.get(j), v[j]);
        }
      }
    }
    if (out.size() < space.params().size() && log.isDebugEnabled()) {
      log.debug(
          "TPE samples {} of {} parameters independently: they are not in every finished trial",
          space.params().size() - out.size(),
          space.params().size());
    }
    return out;
  }

  /** Returns the parameters of {@code space} that every finished trial has with the same domain. */
  private static Map<String, Distribution> intersection(SamplerContext ctx, SearchSpace space) {
    Map<String, Distribution> inter = null;
    for (FrozenTrial t : ctx.trials()) {
      if (t.state() != TrialState.COMPLETE && t.state() != TrialState.PRUNED) {
        continue;
      }
      if (inter == null) {
        inter = new LinkedHashMap<>(t.distributions());
      } else {
        inter.entrySet().removeIf(e -> !e.getValue().equals(t.distributions().get(e.getKey())));
      }
    }
    Map<String, Distribution> out = new LinkedHashMap<>();
    if (inter == null) {
      return out;
    }
    for (var e : space.params().entrySet()) {
      Distribution d = inter.get(e.getKey());
      if (d != null && d.equals(e.getValue()) && !d.isSingle()) {
        out.put(e.getKey(), d);
      }
    }
    return out;
  }

  /**
   * Returns the parameters of {@code space} that at least one finished trial has, each with the
   * one distribution every finished trial that has it gives it.
   */
  private static Map<String, Distribution> union(SamplerContext ctx, SearchSpace space) {
    Map<String, Distribution> out = new LinkedHashMap<>();
    Set<String> conflicting = new LinkedHashSet<>();
    for (FrozenTrial t : ctx.trials()) {
      if (t.state() != TrialState.COMPLETE && t.state() != TrialState.PRUNED) {
        continue;
      }
      t.distributions().forEach((k, d) -> {
        Distribution known = out.putIfAbsent(k, d);
        if (known != null && !known.equals(d)) {
          conflicting.add(k);
        }
      });
    }
    Map<String, Distribution> inSpace = new LinkedHashMap<>();
    for (var e : space.params().entrySet()) {
      Distribution d = out.get(e.getKey());
      if (d != null
          && d.equals(e.getValue())
          && !d.isSingle()
          && !conflicting.contains(e.getKey())) {
        inSpace.put(e.getKey(), d);
      }
    }
    return inSpace;
  }

  /** Partitions names into groups whose members always occur together in finished trials. */
  static List<Set<String>> groups(SamplerContext ctx, Set<String> names) {
    List<Set<String>> groups = new ArrayList<>();
    for (FrozenTrial t : ctx.trials()) {
      if (t.state() != TrialState.COMPLETE && t.state() != TrialState.PRUNED) {
        continue;
      }
      Set<String> present = new LinkedHashSet<>(t.distributions().keySet());
      present.retainAll(names);
      List<Set<String>> next = new ArrayList<>();
      Set<String> covered = new LinkedHashSet<>();
      for (Set<String> g : groups) {
        Set<String> in = new LinkedHashSet<>(g);
        in.retainAll(present);
        Set<String> out = new LinkedHashSet<>(g);
        out.removeAll(present);
        if (!in.isEmpty()) {
          next.add(in);
        }
        if (!out.isEmpty()) {
          next.add(out);
        }
        covered.addAll(g);
      }
      Set<String> fresh = new LinkedHashSet<>(present);
      fresh.removeAll(covered);
      if (!fresh.isEmpty()) {
        next.add(fresh);
      }
      groups = next;
    }
    return groups;
  }

  /** Samples one (joint) point for the named parameters; caller holds the generator lock. */
  private double[] sampleGroup(
      Split sp, List<String> names, List<Distribution> dists, boolean multivariate) {
    ParzenEstimator l = estimator(sp.below(), names, dists, multivariate);
    ParzenEstimator g = estimator(sp.above(), names, dists, multivariate);
    // The settings hold at least one candidate (Samplers.TpeBuilder.eiCandidates).
    double[] best = l.sample(rng);
    double bestScore = l.logPdf(best) - g.logPdf(best);
    for (int c = 1; c < s.eiCandidates(); c++) {
      double[] x = l.sample(rng);
      double score = l.logPdf(x) - g.logPdf(x);
      if (score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    return best;
  }

  private ParzenEstimator estimator(
      List<FrozenTrial> trials,
      List<String> names,
      List<Distribution> dists,
      boolean multivariate) {
    List<double[]> obs = new ArrayList<>();
    for (FrozenTrial t : trials) {
      double[] row = new double[names.size()];
      boolean all = true;
      for (int j = 0; j < names.size(); j++) {
        double v = t.internalValue(names.get(j), dists.get(j));
        if (Double.isNaN(v)) {
          all = false;
          break;
        }
        row[j] = v;
      }
      if (all) {
        obs.add(row);
      }
    }
    double[][] o = obs.toArray(new double[0][]);
    return new ParzenEstimator(dists, o, weights(o.length), s.parzen(), multivariate);
  }

  /** The last two weight vectors asked for, by count: each ask needs the same two (l and g). */
  private volatile Object @Nullable [] lastWeights;

  /** Returns {@code s.weights().apply(n)} (a function of n only), reusing the last two results. */
  private double[] weights(int n) {
    Object[] cached = lastWeights;
    for (int i = 0; cached != null && i < cached.length; i += 2) {
      if ((int) cached[i] == n) {
        return (double[]) cached[i + 1];
      }
    }
    double[] w = s.weights().apply(n);
    lastWeights = cached == null ? new Object[] {n, w} : new Object[] {n, w, cached[0], cached[1]};
    return w;
  }

  @Override
  public String toString() {
    return "TpeSampler" + s;
  }
}
