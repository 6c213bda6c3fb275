package io.nemospawn.demo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RlhfTest {
  @TempDir
  Path dir;

  @Test
  void rewardModelLearnsThePreferencesAndPpoImprovesTheTrueReward() {
    long seed = 7;
    Rlhf.Data d = Rlhf.generate(seed, 2000, 3000);
    Rlhf.Policy sft = Rlhf.sft(d.demos());
    assertThat(sft.sigma()).isBetween(0.5, 0.7); // the demonstrations' spread is 0.6
    Rlhf.RewardModel rm = Rlhf.reward(d.pairs(), d.pairsTest(), 300, 0.5);
    assertThat(rm.testAccuracy()).isGreaterThan(0.7);
    assertThat(rm.testLoss()).isLessThan(Math.log(2));
    double[] w = Rlhf.trueOptimum(seed);
    Rlhf.PpoResult p = Rlhf.ppo(sft, rm, w, 60, seed, 0.05);
    assertThat(p.steps()).hasSize(60);
    assertThat(Rlhf.meanTrueReward(p.policy(), w, 4000, 1))
        .isGreaterThan(Rlhf.meanTrueReward(sft, w, 4000, 1));
    assertThat(Rlhf.winRate(p.policy(), sft, w, 4000, 2)).isGreaterThan(0.6);
    // Without a reward signal (all-zero reward model) PPO stays at the reference.
    Rlhf.RewardModel zero = new Rlhf.RewardModel(new double[Rlhf.DIMS + 1], 0, 0, 0);
    Rlhf.PpoResult still = Rlhf.ppo(sft, zero, w, 20, seed, 0.05);
    assertThat(still.policy().kl(sft)).isLessThan(1e-9);
    // Files round-trip.
    p.policy().write(dir.resolve("p.txt"));
    assertThat(Rlhf.Policy.read(dir.resolve("p.txt")).mean())
        .containsExactly(p.policy().mean());
    Rlhf.writePairs(dir.resolve("pairs.txt"), d.pairsTest());
    assertThat(Rlhf.readPairs(dir.resolve("pairs.txt"))).hasSize(d.pairsTest().size());
  }
}
