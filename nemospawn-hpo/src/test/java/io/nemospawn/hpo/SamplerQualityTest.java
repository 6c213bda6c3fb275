package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TPE against random search on the standard problems: 10 seeds x 60 trials each. The 30-seed
 * report with Optuna beside it is {@code io.nemospawn.benchmarks.HpoQualityReport}.
 */
class SamplerQualityTest {
  private static final Logger log = LoggerFactory.getLogger(SamplerQualityTest.class);
  private static final int SEEDS = 10;
  private static final int TRIALS = 60;

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return 0.5 * (c[(c.length - 1) / 2] + c[c.length / 2]);
  }

  @Test
  void tpeBeatsRandomSearchOnEveryProblem() {
    for (Problems p : Problems.all()) {
      double[] tpe = new double[SEEDS];
      double[] rnd = new double[SEEDS];
      int wins = 0;
      for (int seed = 0; seed < SEEDS; seed++) {
        tpe[seed] = p.run(Samplers.tpe().seed(seed).build(), TRIALS) - p.optimum();
        rnd[seed] = p.run(Samplers.random(seed + 1000), TRIALS) - p.optimum();
        if (tpe[seed] < rnd[seed]) {
          wins++;
        }
      }
      log.info(
          "{}: median regret TPE {} random {}; TPE better in {}/{} seeds",
          p.name(),
          median(tpe),
          median(rnd),
          wins,
          SEEDS);
      assertThat(median(tpe)).as("%s median regret", p.name()).isLessThan(median(rnd));
      assertThat(wins).as("%s: seeds where TPE beats random", p.name()).isGreaterThanOrEqualTo(6);
    }
  }
}
