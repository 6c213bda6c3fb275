package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Multivariate TPE with groups against univariate TPE on problems whose parameters interact: a
 * narrow rotated valley, and a define-by-run space whose branches hold interacting parameters (the
 * case groups are for). 40 seeds x 60 trials: the grouped median is within 10 % of univariate
 * TPE's or better, and better than random search's; the same problems are in the HPO quality
 * report with 30 seeds.
 */
class MultivariateTpeQualityTest {
  private static final int SEEDS = 40;
  private static final int TRIALS = 60;

  static double valley(Trial t) {
    double[] x = new double[4];
    for (int i = 0; i < 4; i++) {
      x[i] = t.suggestFloat("x" + i, -2, 2);
    }
    double v = Math.pow((x[0] + x[1] + x[2] + x[3]) / 4 - 1, 2);
    for (int i = 0; i < 3; i++) {
      v += 100 * Math.pow(x[i + 1] - x[i], 2);
    }
    return v;
  }

  static double branches(Trial t) {
    if (t.suggestCategorical("model", "a", "b").equals("a")) {
      double a1 = t.suggestFloat("a1", -2, 2);
      double a2 = t.suggestFloat("a2", -2, 2);
      return 20 * Math.pow(a1 - a2, 2) + Math.pow(a1 + a2 - 1, 2);
    }
    double b1 = t.suggestFloat("b1", 0, 1);
    double b2 = t.suggestFloat("b2", 0, 1);
    double b3 = t.suggestFloat("b3", 0, 1);
    return 0.3 + 20 * Math.pow(b1 - b2, 2) + 20 * Math.pow(b2 - b3, 2) + Math.pow(b1 - 0.2, 2);
  }

  private static double[] bests(ToDoubleFunction<Trial> f, LongFunction<Sampler> sampler) {
    double[] out = new double[SEEDS];
    for (int seed = 0; seed < SEEDS; seed++) {
      Study s =
          Hpo.study("q").sampler(sampler.apply(seed)).pruner(Pruners.none()).create();
      double best = Double.POSITIVE_INFINITY;
      for (int i = 0; i < TRIALS; i++) {
        Trial t = s.ask();
        double v = f.applyAsDouble(t);
        s.tell(t, v);
        best = Math.min(best, v);
      }
      out[seed] = best;
    }
    Arrays.sort(out);
    return out;
  }

  private static double median(double[] sorted) {
    return (sorted[SEEDS / 2 - 1] + sorted[SEEDS / 2]) / 2;
  }

  private static void assertGroupedAtLeastAsGood(ToDoubleFunction<Trial> f) {
    double[] uni = bests(f, s -> Samplers.tpe().seed(s).build());
    double[] grouped =
        bests(f, s -> Samplers.tpe().seed(s).multivariate(true).group(true).build());
    double[] random = bests(f, Samplers::random);
    // equal or better: within 10 % of univariate TPE's median over 40 seeds (the report's 30
    // seeds and Mann-Whitney tests are in docs/hpo.md)
    assertThat(median(grouped))
        .as("multivariate + group vs univariate")
        .isLessThanOrEqualTo(1.1 * median(uni));
    assertThat(median(grouped)).as("multivariate + group vs random").isLessThan(median(random));
  }

  @Test
  void groupsModelTheParametersOfEachBranchJointly() {
    Study s = Hpo.study("g").sampler(Samplers.random(4)).pruner(Pruners.none()).create();
    for (int i = 0; i < 20; i++) {
      Trial t = s.ask();
      s.tell(t, branches(t));
    }
    SearchSpace.Builder all = SearchSpace.builder();
    s.trials().forEach(t -> t.distributions().forEach(all::param));
    SearchSpace space = all.build();
    assertThat(space.params()).containsOnlyKeys("model", "a1", "a2", "b1", "b2", "b3");
    SamplerContext ctx =
        new SamplerContext("g", Direction.MINIMIZE, s.trials(), 20, java.util.Map.of());
    Sampler grouped = Samplers.tpe().seed(1).multivariate(true).group(true).build();
    Sampler joint = Samplers.tpe().seed(1).multivariate(true).build();
    // groups: {model}, {a1, a2}, {b1, b2, b3}; each is sampled from its own joint estimator
    assertThat(grouped.sampleJoint(ctx, space)).containsOnlyKeys(space.params().keySet());
    // without groups only the parameter every trial has is joint; the rest fall back to
    // independent sampling
    assertThat(joint.sampleJoint(ctx, space)).containsOnlyKeys("model");
  }

  @Test
  void groupedMultivariateTpeIsAtLeastAsGoodOnARotatedValley() {
    assertGroupedAtLeastAsGood(MultivariateTpeQualityTest::valley);
  }

  @Test
  void groupedMultivariateTpeIsAtLeastAsGoodOnConditionalInteractingBranches() {
    assertGroupedAtLeastAsGood(MultivariateTpeQualityTest::branches);
  }
}
