package io.nemospawn.benchmarks;

import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code report} + {@code shouldPrune} step of a running trial in a study that already ran
 * {@code trials} trials under ASHA (min resource 1, eta 4, 100 steps each, so every rung holds
 * values): the cost of asking the pruner once per training step. {@code checked-asha} is the
 * rank-checked pruner on the same history (its check runs where ASHA would prune, and reads every
 * trial's reports at the rungs). {@code none} is the same step with no pruner (the
 * storage's part). Optuna 3.1 takes 216 µs per step in a 1,200-trial study. Each measured trial
 * runs 100 steps too, then the next is asked (one ask and one tell per 100 operations are part of
 * the figure), so the study grows by one trial per 100 operations during an iteration: {@code
 * trials} is its size at the start.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar PrunerBenchmark -f 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PrunerBenchmark {
  @Param({"100", "1200", "10000"})
  public int trials;

  @Param({"asha", "checked-asha", "none"})
  public String pruner;

  private Study study;
  private Trial trial;
  private int step;
  private final SplittableRandom rnd = new SplittableRandom(5);

  @Setup(Level.Trial)
  public void history() {
    study = Hpo.study("p")
        .space(SearchSpace.empty())
        .sampler(Samplers.random(1))
        .pruner(
            switch (pruner) {
              case "asha" ->
                Pruners.successiveHalving().minResource(1).reductionFactor(4).build();
              case "checked-asha" ->
                Pruners.rankCheckedHalving().minResource(1).reductionFactor(4).build();
              default -> Pruners.none();
            })
        .create();
    for (int i = 0; i < trials; i++) {
      Trial t = study.ask();
      double level = rnd.nextDouble();
      boolean pruned = false;
      for (int s = 1; s <= STEPS && !pruned; s++) {
        pruned = study.report(t.number(), s, level + 1.0 / s);
      }
      if (pruned) {
        study.tell(t, TrialState.PRUNED);
      } else {
        study.tell(t, level);
      }
    }
  }

  @Setup(Level.Iteration)
  public void newTrial() {
    trial = study.ask();
    step = 0;
  }

  /**
   * Reports the next step's value and asks whether to prune (the trial is never stopped at a
   * prune decision). After step {@value #STEPS} the trial is told FAIL and the next one asked, so
   * every measured step belongs to a trial of realistic length, as the history's (a trial that
   * reported 100,000 steps would make each snapshot of it, and so each step, cost 100,000).
   */
  @Benchmark
  public boolean reportAndCheck() {
    if (step == STEPS) {
      study.tell(trial, TrialState.FAIL);
      trial = study.ask();
      step = 0;
    }
    step++;
    return study.report(trial.number(), step, rnd.nextDouble() + 1.0 / step);
  }

  static final int STEPS = 100;
}
