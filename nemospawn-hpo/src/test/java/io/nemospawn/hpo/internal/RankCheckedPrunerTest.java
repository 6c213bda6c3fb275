package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.LearningCurves;
import io.nemospawn.hpo.Pruner;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import org.junit.jupiter.api.Test;

class RankCheckedPrunerTest {
  private static final int TRIALS = 80;
  private static final int STEPS = 100;

  /** Runs every curve through a study with the pruner; returns {pruned trials, steps used}. */
  private static int[] run(Pruner pruner, double[][] curves) {
    Study s = Hpo.study("c")
        .sampler(Samplers.random(1))
        .pruner(pruner)
        .space(SearchSpace.empty())
        .create();
    int pruned = 0;
    int used = 0;
    for (double[] c : curves) {
      Trial t = s.ask();
      int k = 1;
      boolean stop = false;
      for (; k <= c.length; k++) {
        t.report(k, c[k - 1]);
        if (t.shouldPrune()) {
          stop = true;
          break;
        }
      }
      if (stop) {
        s.tell(t, TrialState.PRUNED);
        pruned++;
        used += k;
      } else {
        s.tell(t, c[c.length - 1]);
        used += c.length;
      }
    }
    return new int[] {pruned, used};
  }

  @Test
  void neverPrunesWhereCurvesCrossButAshaDoes() {
    for (long seed = 0; seed < 3; seed++) {
      double[][] curves = LearningCurves.CROSSING.curves(seed, TRIALS, STEPS);
      assertThat(run(Pruners.rankCheckedHalving().build(), curves)[0])
          .as("trials pruned on crossing curves, seed %d", seed)
          .isZero();
      // control: the same curves do make ASHA prune, so the check above can fail
      assertThat(run(Pruners.successiveHalving().build(), curves)[0])
          .as("ASHA on the same curves")
          .isGreaterThan(TRIALS / 2);
    }
  }

  @Test
  void prunesLikeAshaWhereEarlyValuesPredictFinalOnes() {
    for (long seed = 0; seed < 3; seed++) {
      double[][] curves = LearningCurves.PREDICTIVE.curves(seed, TRIALS, STEPS);
      int[] checked = run(Pruners.rankCheckedHalving().build(), curves);
      int[] asha = run(Pruners.successiveHalving().build(), curves);
      assertThat(checked[0]).as("trials pruned, seed %d", seed).isGreaterThan(TRIALS / 2);
      // it waits for 10 completed trials and checks: more steps than ASHA, under half of all
      assertThat(checked[1]).isLessThan(TRIALS * STEPS / 2).isGreaterThanOrEqualTo(asha[1]);
    }
  }

  @Test
  void waitsForEnoughCompletedTrialsAtARung() {
    // rung 0 at step 1; curves whose steps all rank alike (rho = 1): nothing is pruned before
    // the better half of the completed trials holds 5 (10 complete)
    double[][] curves = new double[16][];
    for (int i = 0; i < curves.length; i++) {
      double v = 1.0 - 0.01 * (i % 6);
      curves[i] = new double[] {v + 1, v + 0.5, v};
    }
    Pruner p = Pruners.rankCheckedHalving().minResource(1).minCompleted(5).build();
    Study s = Hpo.study("w").sampler(Samplers.random(1)).pruner(p).create();
    int firstPrune = -1;
    for (int i = 0; i < curves.length; i++) {
      Trial t = s.ask();
      boolean pruned = false;
      for (int k = 1; k <= 3 && !pruned; k++) {
        t.report(k, curves[i][k - 1]);
        pruned = t.shouldPrune();
      }
      if (pruned) {
        s.tell(t, TrialState.PRUNED);
        if (firstPrune < 0) {
          firstPrune = i;
        }
      } else {
        s.tell(t, curves[i][2]);
      }
    }
    // trials 0..9 complete whatever they report; 10 and 11 are within ASHA's best quarter at
    // rung 0; trial 12 (1.0, the worst value) is the first ASHA's rule stops
    assertThat(firstPrune).isEqualTo(12);
  }

  @Test
  void spearmanHandlesTiesAndOrder() {
    assertThat(RankCheckedHalvingPruner.spearman(
            new double[] {1, 2, 3, 4}, new double[] {10, 20, 30, 40}))
        .isEqualTo(1.0);
    assertThat(
            RankCheckedHalvingPruner.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}))
        .isEqualTo(-1.0);
    assertThat(RankCheckedHalvingPruner.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3}))
        .isZero();
    // ties get average ranks: ranks (1.5, 1.5, 3) vs (1, 2, 3) -> 0.866...
    assertThat(RankCheckedHalvingPruner.spearman(new double[] {5, 5, 7}, new double[] {1, 2, 3}))
        .isCloseTo(Math.sqrt(3) / 2, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void badSettingsAreNamed() {
    assertThatThrownBy(() -> Pruners.rankCheckedHalving().minCompleted(2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("min_completed 2");
    assertThatThrownBy(() -> Pruners.rankCheckedHalving().minCorrelation(1.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("min_correlation 1.5");
    assertThatThrownBy(
            () -> Pruners.rankCheckedHalving().minCorrelation(Double.NaN).build())
        .hasMessageContaining("min_correlation NaN");
    assertThatThrownBy(() -> Pruners.rankCheckedHalving().reductionFactor(1).build())
        .hasMessageContaining("reduction_factor 1");
  }
}
