package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.LearningCurves;
import io.nemospawn.hpo.Pruner;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /** Curves that rank alike at every step up to 80 and in reverse at the final step 100. */
  private static double[][] lateCrossing(int n) {
    double[][] curves = new double[n][STEPS];
    for (int i = 0; i < n; i++) {
      double base = 0.2 + 0.6 * ((i * 37) % n) / n;
      for (int k = 0; k < STEPS; k++) {
        curves[i][k] = k < 80 ? base + 1.0 / (k + 1) : 1.2 - base;
      }
    }
    return curves;
  }

  @Test
  void aCrossingBetweenTheLastRungAndTheEndClosesEveryRung() {
    // rungs at 1, 4, 16, 64: the links 1->4, 4->16, 16->64 are perfect, 64->final is reversed
    double[][] curves = lateCrossing(TRIALS);
    assertThat(run(Pruners.rankCheckedHalving().build(), curves)[0])
        .as("trials pruned when only the last link is broken")
        .isZero();
    assertThat(run(Pruners.successiveHalving().build(), curves)[0])
        .as("ASHA on the same curves")
        .isGreaterThan(TRIALS / 2);
  }

  private static FrozenTrial trial(int n, TrialState state, Map<Integer, Double> reports) {
    double value =
        state == TrialState.COMPLETE ? reports.get(Collections.max(reports.keySet())) : Double.NaN;
    return new FrozenTrial(
        n, state, value, Map.of(), Map.of(), reports, Map.of(), Map.of(), null, null);
  }

  @Test
  void linksBetweenRungsCountTrialsThatHaveNotCompleted() {
    // 10 COMPLETE trials that reported only at steps 1, 64 and 100 (perfectly ranked), so the
    // links 1->4 and 4->16 have no complete trial to measure; 10 RUNNING trials reported at
    // 1, 4, 16 and 64, ranked alike
    RankCheckedHalvingPruner p = new RankCheckedHalvingPruner(1, 4, 0, 5, 0.3);
    List<FrozenTrial> trials = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      double v = 0.1 + 0.01 * i;
      trials.add(trial(i, TrialState.COMPLETE, Map.of(1, v + 1, 64, v + 0.1, 100, v)));
    }
    assertThat(p.rungRanksLikeFinal(trials, 1, 0, -1, Direction.MINIMIZE))
        .as("rung 0 without trials that reached steps 4 and 16")
        .isFalse();
    assertThat(p.rungRanksLikeFinal(trials, 1, 3, -1, Direction.MINIMIZE))
        .as("rung 3 (step 64) needs only the complete trials")
        .isTrue();
    for (int i = 10; i < 20; i++) {
      double v = 0.4 + 0.01 * i;
      trials.add(trial(i, TrialState.RUNNING, Map.of(1, v + 1, 4, v + 0.5, 16, v + 0.2, 64, v)));
    }
    assertThat(p.rungRanksLikeFinal(trials, 1, 0, -1, Direction.MINIMIZE))
        .as("rung 0 with running trials that reached step 64")
        .isTrue();
    // the same running trials ranked in reverse from step 4 on break link 1->4
    List<FrozenTrial> reversed = new ArrayList<>(trials.subList(0, 10));
    for (int i = 10; i < 20; i++) {
      double v = 0.4 + 0.01 * i;
      reversed.add(trial(i, TrialState.RUNNING, Map.of(1, v + 1, 4, 1 - v, 16, 1 - v, 64, 1 - v)));
    }
    assertThat(p.rungRanksLikeFinal(reversed, 1, 0, -1, Direction.MINIMIZE)).isFalse();
    assertThat(p.rungRanksLikeFinal(reversed, 1, 1, -1, Direction.MINIMIZE))
        .as("rung 1 (step 4) does not depend on link 1->4")
        .isTrue();
  }

  /** Runs curves through studies, trial i on studies[i % n]; returns each trial's prune step. */
  private static int[] pruneSteps(double[][] curves, Study... studies) {
    int[] at = new int[curves.length];
    for (int i = 0; i < curves.length; i++) {
      Study s = studies[i % studies.length];
      Trial t = s.ask();
      for (int k = 1; k <= curves[i].length && at[i] == 0; k++) {
        if (s.report(t.number(), k, curves[i][k - 1])) {
          at[i] = k;
        }
      }
      if (at[i] > 0) {
        s.tell(t, TrialState.PRUNED);
      } else {
        s.tell(t, curves[i][curves[i].length - 1]);
      }
    }
    return at;
  }

  @Test
  void decisionsDependOnlyOnTheStorageSoProcessesAgree(@TempDir Path dir) {
    // two journal storages on one file act as two processes, each with its own pruner; trials
    // alternate between them, and every decision equals that of one in-memory study
    double[][] curves = LearningCurves.PREDICTIVE.curves(7, 40, 20);
    Study alone = Hpo.study("x")
        .space(SearchSpace.empty())
        .sampler(Samplers.random(1))
        .pruner(Pruners.rankCheckedHalving().build())
        .create();
    int[] expected = pruneSteps(curves, alone);
    assertThat(Arrays.stream(expected).filter(k -> k > 0).count())
        .as("trials pruned in one study")
        .isGreaterThan(5);
    Path file = dir.resolve("x.journal");
    try (StudyStorage a = StudyStorage.journal(file);
        StudyStorage b = StudyStorage.journal(file)) {
      Study first = Hpo.study("x")
          .space(SearchSpace.empty())
          .storage(a)
          .sampler(Samplers.random(1))
          .pruner(Pruners.rankCheckedHalving().build())
          .create();
      Study second = Hpo.study("x")
          .space(SearchSpace.empty())
          .storage(b)
          .sampler(Samplers.random(1))
          .pruner(Pruners.rankCheckedHalving().build())
          .load();
      assertThat(pruneSteps(curves, first, second)).containsExactly(expected);
    }
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
