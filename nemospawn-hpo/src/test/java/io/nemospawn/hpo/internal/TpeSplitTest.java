package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.SamplerContext;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TpeSplitTest {
  private static FrozenTrial trial(
      int n, TrialState state, double value, Map<Integer, Double> reports) {
    return new FrozenTrial(
        n,
        state,
        value,
        Map.of("x", FloatDistribution.of(0, 1)),
        Map.of("x", n / 100.0),
        reports,
        Map.of(),
        Map.of(),
        null,
        null);
  }

  private static TpeSampler tpe(boolean liar) {
    return new TpeSampler(
        new TpeSampler.Settings(
            ParzenEstimator.Options.DEFAULT,
            10,
            24,
            Tpe.DEFAULT_GAMMA,
            Tpe::rampWeights,
            false,
            false,
            liar),
        new SplittableRandom(1));
  }

  @Test
  void completeBeatsPrunedAndLaterPrunedBeatsEarlierPruned() {
    List<FrozenTrial> trials = new ArrayList<>();
    trials.add(trial(0, TrialState.PRUNED, 0.1, Map.of(1, 0.1)));
    trials.add(trial(1, TrialState.PRUNED, 5.0, Map.of(1, 9.0, 50, 5.0)));
    trials.add(trial(2, TrialState.COMPLETE, 9.0, Map.of()));
    trials.add(trial(3, TrialState.PRUNED, Double.NaN, Map.of()));
    trials.add(trial(4, TrialState.FAIL, Double.NaN, Map.of()));
    trials.add(trial(5, TrialState.RUNNING, Double.NaN, Map.of()));
    for (int i = 6; i < 26; i++) {
      trials.add(trial(i, TrialState.COMPLETE, 10 + i, Map.of()));
    }
    // n = 24 finished (FAIL and RUNNING excluded): gamma = ceil(2.4) = 3
    var split = tpe(false).split(new SamplerContext("s", Direction.MINIMIZE, trials, 99, Map.of()));
    assertThat(split.finished()).isEqualTo(24);
    assertThat(split.below()).extracting(FrozenTrial::number).containsExactly(2, 6, 7);
    assertThat(split.above())
        .extracting(FrozenTrial::number)
        .startsWith(0, 1, 3, 8)
        .hasSize(21);

    // only pruned ones: ranked by -last step, then value; unreported pruned last
    List<FrozenTrial> pruned = List.of(trials.get(0), trials.get(1), trials.get(3));
    var gammaAll = new TpeSampler(
        new TpeSampler.Settings(
            ParzenEstimator.Options.DEFAULT, 0, 24, n -> 2, Tpe::rampWeights, false, false, false),
        new SplittableRandom(1));
    var s2 = gammaAll.split(new SamplerContext("s", Direction.MINIMIZE, pruned, 99, Map.of()));
    assertThat(s2.below()).extracting(FrozenTrial::number).containsExactly(0, 1);
    assertThat(s2.above()).extracting(FrozenTrial::number).containsExactly(3);
  }

  @Test
  void constantLiarPutsRunningTrialsAboveAndExcludesTheCurrentOne() {
    List<FrozenTrial> trials = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      trials.add(trial(i, TrialState.COMPLETE, i, Map.of()));
    }
    trials.add(trial(10, TrialState.RUNNING, Double.NaN, Map.of()));
    trials.add(trial(11, TrialState.RUNNING, Double.NaN, Map.of()));
    var split = tpe(true).split(new SamplerContext("s", Direction.MAXIMIZE, trials, 11, Map.of()));
    assertThat(split.finished()).isEqualTo(10);
    assertThat(split.below()).extracting(FrozenTrial::number).containsExactly(9);
    assertThat(split.above()).extracting(FrozenTrial::number).contains(10).doesNotContain(11);
  }
}
