package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TpeSamplerTest {
  @Test
  void categoricalSmoothingConcentratesOnTheGoodChoiceButKeepsExploring() {
    Study s = Hpo.study("c")
        .space(SearchSpace.builder().categorical("x", "a", "b", "c", "d").build())
        .sampler(Samplers.tpe().seed(11).build())
        .create();
    int[] counts = new int[4];
    for (int i = 0; i < 100; i++) {
      Trial t = s.ask();
      String x = t.stringParam("x");
      if (i >= 10) {
        counts[x.charAt(0) - 'a']++;
      }
      s.tell(t, x.equals("c") ? 0 : 1);
    }
    assertThat(counts[2]).isGreaterThan(60);
    assertThat(counts[0] + counts[1] + counts[3]).isPositive();
  }

  @Test
  void tpeFindsTheMinimumOfAQuadraticMuchBetterThanItsStartup() {
    Study s = Hpo.study("q")
        .space(SearchSpace.builder()
            .floatParam("x", -10, 10)
            .intParam("n", -20, 20)
            .build())
        .sampler(Samplers.tpe().seed(2).build())
        .create();
    for (int i = 0; i < 80; i++) {
      Trial t = s.ask();
      double x = t.doubleParam("x");
      s.tell(t, (x - 3) * (x - 3) + Math.abs(t.intParam("n") - 7));
    }
    assertThat(s.bestTrial().rawValue()).isLessThan(1.0);
  }

  @Test
  void constantLiarSpreadsParallelAsks() {
    SearchSpace space = SearchSpace.builder().floatParam("x", 0, 1).build();
    double spreadLiar = spread(space, true);
    double spreadPlain = spread(space, false);
    assertThat(spreadLiar).isGreaterThan(spreadPlain);
  }

  /** Asks 8 trials at once after 20 told ones; returns the mean distance between them. */
  private static double spread(SearchSpace space, boolean liar) {
    double total = 0;
    for (int seed = 0; seed < 5; seed++) {
      Study s = Hpo.study("l")
          .space(space)
          .sampler(Samplers.tpe().seed(seed).constantLiar(liar).build())
          .create();
      for (int i = 0; i < 20; i++) {
        Trial t = s.ask();
        s.tell(t, Math.abs(t.doubleParam("x") - 0.3));
      }
      double[] xs = new double[8];
      for (int i = 0; i < 8; i++) {
        xs[i] = s.ask().doubleParam("x");
      }
      for (int i = 0; i < 8; i++) {
        for (int j = i + 1; j < 8; j++) {
          total += Math.abs(xs[i] - xs[j]);
        }
      }
    }
    return total;
  }

  @Test
  void multivariateAndGroupHandleConditionalSpaces() {
    double tpe = 0;
    double random = 0;
    for (int seed = 0; seed < 6; seed++) {
      tpe += conditional(Samplers.tpe()
          .seed(seed)
          .multivariate(true)
          .group(true)
          .startupTrials(5)
          .build());
      random += conditional(Samplers.random(seed));
    }
    assertThat(tpe).isLessThan(random);
    assertThatThrownBy(() -> Samplers.tpe().group(true).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("group(true) requires multivariate(true).");
  }

  private static double conditional(Sampler sampler) {
    Study s = Hpo.study("g").sampler(sampler).create();
    for (int i = 0; i < 50; i++) {
      Trial t = s.ask();
      double x = t.suggestFloat("x", -5, 5);
      double loss = x * x;
      if (t.suggestCategorical("branch", "a", "b").equals("a")) {
        loss += Math.abs(t.suggestInt("k", 0, 10) - 2);
      } else {
        loss += 1 + t.suggestFloat("y", 0, 1);
      }
      s.tell(t, loss);
    }
    for (FrozenTrial t : s.trials()) {
      assertThat(t.params()).containsKeys("x", "branch");
      assertThat(t.params()).containsKey(t.params().get("branch").equals("a") ? "k" : "y");
      assertThat(t.params()).hasSize(3);
    }
    return s.bestTrial().rawValue();
  }
}
