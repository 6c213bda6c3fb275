package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrunerTest {
  private static Study study(io.nemospawn.hpo.Pruner pruner) {
    return Hpo.study("p")
        .sampler(Samplers.random(1))
        .pruner(pruner)
        .space(SearchSpace.empty())
        .create();
  }

  /** Runs a curve until pruned; returns the step it stopped at (last reported). */
  private static int run(Study s, double[] curve) {
    Trial t = s.ask();
    for (int step = 1; step <= curve.length; step++) {
      t.report(step, curve[step - 1]);
      if (t.shouldPrune()) {
        s.tell(t, TrialState.PRUNED);
        return step;
      }
    }
    s.tell(t, curve[curve.length - 1]);
    return curve.length;
  }

  private static double[] flat(double v, int n) {
    double[] c = new double[n];
    java.util.Arrays.fill(c, v);
    return c;
  }

  @Test
  void ashaWithFixedMinResourcePromotesOnlyTheTopQuarterPerRung() {
    Study s =
        study(Pruners.successiveHalving().minResource(1).reductionFactor(4).build());
    // rungs at steps 1, 4, 16; the first trial is alone at every rung: it passes
    assertThat(run(s, flat(0.5, 20))).isEqualTo(20);
    // worse than the only competitor at rung 0 (i = 2 // 4 - 1 = -1 -> 0: must beat the best)
    assertThat(run(s, flat(0.6, 20))).isEqualTo(1);
    // better: passes rung 0, 1 and 2
    assertThat(run(s, flat(0.4, 20))).isEqualTo(20);
    // equal to the best counts as promotable (value <= competing[0])
    assertThat(run(s, flat(0.4, 20))).isEqualTo(20);
    // five competitors at rung 0 now: {0.5, 0.6, 0.4, 0.4, 0.45}; i = 5 // 4 - 1 = 0 -> 0.4
    assertThat(run(s, flat(0.45, 20))).isEqualTo(1);
    FrozenTrial first = s.trial(0);
    assertThat(first.systemAttrs())
        .containsKeys("completed_rung_0", "completed_rung_1", "completed_rung_2");
    assertThat(first.systemAttrs()).doesNotContainKey("completed_rung_3");
    assertThat(s.trial(1).state()).isEqualTo(TrialState.PRUNED);
    assertThat(s.trial(1).rawValue()).isEqualTo(0.6);
  }

  @Test
  void ashaAutoNeverPrunesBeforeATrialCompletesThenUsesItsLength() {
    Study s = study(Pruners.successiveHalving().build());
    Trial t0 = s.ask();
    Trial t1 = s.ask();
    for (int step = 0; step < 300; step++) {
      t1.report(step, 10);
      assertThat(t1.shouldPrune()).isFalse();
    }
    for (int step = 0; step < 300; step++) {
      t0.report(step, 1);
    }
    s.tell(t0, 1.0);
    // min_resource = 299 // 100 = 2; t1 reports at step 299 >= 2: rung 0 competes with nobody
    // recorded (t0 never asked the pruner), so it passes rung 0 alone; at rung 1 (8) also alone
    t1.report(300, 10);
    assertThat(t1.shouldPrune()).isFalse();
    Trial t2 = s.ask();
    t2.report(2, 20);
    assertThat(t2.shouldPrune()).isTrue();
    Trial t3 = s.ask();
    t3.report(1, 20);
    assertThat(t3.shouldPrune()).as("step 1 is below min_resource 2").isFalse();
  }

  @Test
  void ashaWithMaximizeComparesAgainstTheLargest() {
    Study s = Hpo.study("m")
        .direction(Direction.MAXIMIZE)
        .sampler(Samplers.random(1))
        .pruner(Pruners.successiveHalving().minResource(1).reductionFactor(2).build())
        .create();
    assertThat(run(s, flat(0.5, 4))).isEqualTo(4);
    assertThat(run(s, flat(0.7, 4))).isEqualTo(4);
    assertThat(run(s, flat(0.1, 4))).isEqualTo(1);
  }

  @Test
  void hyperbandBracketsMatchOptuna() {
    HyperbandPruner hb = new HyperbandPruner(1, 100, 3, 0);
    assertThat(hb.brackets(List.of())).isEqualTo(5);
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(hb.bracketOf("hb", i, 5));
    }
    // optuna 3.1: HyperbandPruner(1, 100, 3)._get_bracket_id for study "hb", trials 0..19
    assertThat(ids).containsExactly(0, 1, 0, 3, 0, 0, 0, 1, 1, 1, 1, 0, 3, 3, 0, 0, 0, 2, 0, 0);
  }

  @Test
  void hyperbandShowsTheSamplerOnlyTheTrialsOfTheSameBracket() {
    HyperbandPruner hb = new HyperbandPruner(1, 100, 3, 0);
    Study s = Hpo.study("hb").sampler(Samplers.random(1)).pruner(hb).create();
    for (int i = 0; i < 12; i++) {
      s.tell(s.ask(), i);
    }
    List<FrozenTrial> view = hb.samplerView("hb", s.trials(), 7);
    assertThat(view).extracting(FrozenTrial::number).containsExactly(1, 7, 8, 9, 10);
  }

  @Test
  void hyperbandBracketZeroPrunesLikeAshaAndHigherBracketsLater() {
    HyperbandPruner hb = new HyperbandPruner(1, 81, 3, 0);
    // bracket b runs ASHA with min_early_stopping_rate b: first rung at 3^b
    Study s = Hpo.study("hb").sampler(Samplers.random(1)).pruner(hb).create();
    List<Integer> stops = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      stops.add(run(s, flat(100 - i % 7, 81)));
    }
    for (int i = 0; i < 40; i++) {
      int b = hb.bracketOf("hb", i, 5);
      int stop = stops.get(i);
      if (stop < 81) {
        // a stop happens only at a rung of its bracket: 3^(b + r)
        double r = Math.log(stop) / Math.log(3) - b;
        assertThat(Math.abs(r - Math.rint(r)))
            .as("trial %s bracket %s stopped at %s", i, b, stop)
            .isLessThan(1e-9);
        assertThat(r).isGreaterThanOrEqualTo(-1e-9);
      }
    }
    assertThat(stops).anyMatch(x -> x < 81);
  }

  @Test
  void medianPrunesTrialsWorseThanTheMedianAtTheSameStep() {
    Study s = study(Pruners.median(2, 1, 1));
    run(s, new double[] {1, 1, 1});
    run(s, new double[] {3, 3, 3});
    Trial t = s.ask();
    t.report(0, 10);
    assertThat(t.shouldPrune()).as("warm-up step 0").isFalse();
    t.report(1, 1.5);
    assertThat(t.shouldPrune()).as("1.5 < median 2").isFalse();
    t.report(2, 2.5);
    assertThat(t.shouldPrune()).as("best so far 1.5 < 2").isFalse();
    Trial u = s.ask();
    u.report(1, 2.5);
    assertThat(u.shouldPrune()).isTrue();
  }

  @Test
  void ashaReachesTheSameBestWithFarFewerSteps() {
    // synthetic learning curves: loss(step) = final + (start - final) * exp(-step / tau)
    int trials = 200;
    int steps = 100;
    double[][] curves = new double[trials][steps];
    SplittableRandom rng = new SplittableRandom(3);
    double bestFinal = Double.POSITIVE_INFINITY;
    for (int i = 0; i < trials; i++) {
      double fin = rng.nextDouble();
      double start = 1 + fin + rng.nextDouble();
      double tau = 5 + rng.nextDouble() * 10;
      for (int k = 0; k < steps; k++) {
        curves[i][k] = fin + (start - fin) * Math.exp(-(k + 1) / tau);
      }
      bestFinal = Math.min(bestFinal, curves[i][steps - 1]);
    }
    Study asha = study(Pruners.successiveHalving().build());
    long used = 0;
    for (double[] c : curves) {
      used += run(asha, c);
    }
    assertThat(asha.bestTrial().rawValue()).isLessThanOrEqualTo(bestFinal + 0.02);
    assertThat(used).isLessThan(trials * steps / 5);
  }
}
