package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.nemospawn.hpo.CategoricalDistribution;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.IntDistribution;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Worked numbers computed with Optuna 3.1's {@code _ParzenEstimator} (defaults, univariate). */
class ParzenEstimatorTest {
  private static final double EPS = 1e-7;

  private static ParzenEstimator univariate(Distribution d, double... obs) {
    double[][] rows = new double[obs.length][];
    for (int i = 0; i < obs.length; i++) {
      rows[i] = new double[] {obs[i]};
    }
    return new ParzenEstimator(
        List.of(d), rows, Tpe.rampWeights(obs.length), ParzenEstimator.Options.DEFAULT, false);
  }

  @Test
  void floatKernelsMatchOptuna() {
    ParzenEstimator pe = univariate(FloatDistribution.of(0, 1), 0.2, 0.5, 0.9);
    assertThat(pe.mus[0]).containsExactly(new double[] {0.2, 0.5, 0.9, 0.5}, within(1e-12));
    assertThat(pe.sigmas[0]).containsExactly(new double[] {0.3, 0.3, 0.4, 1.0}, within(1e-12));
    for (double lw : pe.logWeights()) {
      assertThat(Math.exp(lw)).isCloseTo(0.25, within(1e-12));
    }
    assertThat(pe.logPdf(new double[] {0.3})).isCloseTo(-0.64307155, within(EPS));
    assertThat(pe.logPdf(new double[] {0.95})).isCloseTo(-0.80787409, within(EPS));
  }

  @Test
  void intKernelsUseCellMassesAndTheMagicClip() {
    ParzenEstimator pe = univariate(IntDistribution.of(1, 8), 2, 2, 7);
    assertThat(pe.mus[0]).containsExactly(new double[] {2, 2, 7, 4.5}, within(1e-12));
    assertThat(pe.sigmas[0]).containsExactly(new double[] {1.6, 2.5, 2.5, 8.0}, within(1e-12));
    assertThat(pe.logPdf(new double[] {2})).isCloseTo(-1.78460869, within(EPS));
    assertThat(pe.logPdf(new double[] {5})).isCloseTo(-2.17947439, within(EPS));
  }

  @Test
  void categoricalRowsAreSmoothedByThePrior() {
    ParzenEstimator pe = univariate(CategoricalDistribution.of("a", "b", "c"), 0, 0, 2);
    assertThat(pe.logRows[0][0])
        .containsExactly(
            new double[] {Math.log(5 / 7.0), Math.log(1 / 7.0), Math.log(1 / 7.0)}, within(1e-12));
    assertThat(pe.logRows[0][2])
        .containsExactly(
            new double[] {Math.log(1 / 7.0), Math.log(1 / 7.0), Math.log(5 / 7.0)}, within(1e-12));
    assertThat(pe.logRows[0][3])
        .containsExactly(
            new double[] {Math.log(1 / 3.0), Math.log(1 / 3.0), Math.log(1 / 3.0)}, within(1e-12));
    assertThat(pe.logPdf(new double[] {0})).isCloseTo(-0.74193734, within(EPS));
    assertThat(pe.logPdf(new double[] {1})).isCloseTo(-1.65822808, within(EPS));
    assertThat(pe.logPdf(new double[] {2})).isCloseTo(-1.09861229, within(EPS));
  }

  @Test
  void logFloatKernelsLiveInLogSpace() {
    ParzenEstimator pe = univariate(FloatDistribution.logOf(1e-5, 1), 1e-3, 1e-2);
    assertThat(pe.mus[0]).containsExactly(new double[] {-6.9078, -4.6052, -5.7565}, within(1e-4));
    assertThat(pe.sigmas[0]).containsExactly(new double[] {2.8782, 2.8782, 11.5129}, within(1e-4));
    assertThat(pe.logPdf(new double[] {1e-3})).isCloseTo(-0.52674891, within(EPS));
  }

  @Test
  void trueDensityAddsTheMinusLogSigmaOptuna31LeavesOut() {
    double[][] rows = {{0.2}, {0.5}, {0.9}};
    ParzenEstimator pe = new ParzenEstimator(
        List.of(FloatDistribution.of(0, 1)),
        rows,
        Tpe.rampWeights(3),
        new ParzenEstimator.Options(true, 1.0, true, false, false),
        false);
    assertThat(pe.logPdf(new double[] {0.3})).isCloseTo(0.10484945766825013, within(1e-12));
  }

  @Test
  void intLogKernelsMatchOptuna() {
    ParzenEstimator pe = univariate(IntDistribution.logOf(1, 100), 3, 40);
    assertThat(pe.mus[0])
        .containsExactly(new double[] {1.09861229, 3.68887945, 1.95850527}, within(1e-8));
    assertThat(pe.sigmas[0])
        .containsExactly(new double[] {1.32582623, 1.73037418, 5.30330491}, within(1e-8));
    assertThat(pe.logPdf(new double[] {3})).isCloseTo(-0.59518195, within(EPS));
    assertThat(pe.logPdf(new double[] {50})).isCloseTo(-0.63658729, within(EPS));
  }

  @Test
  void multivariateGridKernelsMatchOptuna() {
    ParzenEstimator pe = new ParzenEstimator(
        List.of(FloatDistribution.stepped(0, 2, 0.5), IntDistribution.of(1, 8)),
        new double[][] {{0.5, 2}, {1.5, 7}},
        Tpe.rampWeights(2),
        ParzenEstimator.Options.DEFAULT,
        true);
    assertThat(pe.sigmas[0]).containsExactly(new double[] {0.625, 0.625, 2.5}, within(1e-12));
    assertThat(pe.sigmas[1]).containsExactly(new double[] {2, 2, 8}, within(1e-12));
    assertThat(pe.logPdf(new double[] {1.0, 3})).isCloseTo(-3.45504201, within(EPS));
  }

  @Test
  void rampWeightsMatchOptuna() {
    double[] w = Tpe.rampWeights(30);
    assertThat(w).hasSize(30);
    assertThat(w[0]).isCloseTo(1 / 30.0, within(1e-12));
    assertThat(w[1]).isCloseTo(0.275, within(1e-12));
    assertThat(w[2]).isCloseTo(0.516666666, within(1e-8));
    assertThat(w[3]).isCloseTo(0.758333333, within(1e-8));
    for (int i = 4; i < 30; i++) {
      assertThat(w[i]).isEqualTo(1.0);
    }
    assertThat(Tpe.rampWeights(24)).containsOnly(1.0);
  }

  @Test
  void noObservationsLeavesOnlyThePrior() {
    ParzenEstimator pe = new ParzenEstimator(
        List.of(FloatDistribution.of(-2, 2)),
        new double[0][],
        new double[0],
        new ParzenEstimator.Options(false, 1.0, true, false, true),
        false);
    assertThat(pe.kernels).isEqualTo(1);
    assertThat(pe.sigmas[0]).containsExactly(4.0);
  }

  @Test
  void samplesStayInsideBoundsAndOnGrids() {
    SplittableRandom rng = new SplittableRandom(7);
    List<Distribution> dists = List.of(
        FloatDistribution.stepped(0, 1, 0.25), IntDistribution.logOf(1, 1000),
        IntDistribution.stepped(0, 10, 3), FloatDistribution.logOf(1e-4, 1e-1));
    double[][] obs = {{0.25, 10, 3, 1e-3}, {1.0, 900, 9, 0.05}, {0, 1, 0, 1e-4}};
    ParzenEstimator pe =
        new ParzenEstimator(dists, obs, Tpe.rampWeights(3), ParzenEstimator.Options.DEFAULT, true);
    for (int i = 0; i < 2000; i++) {
      double[] x = pe.sample(rng);
      for (int j = 0; j < dists.size(); j++) {
        assertThat(dists.get(j).contains(x[j]))
            .as("%s in %s", x[j], dists.get(j))
            .isTrue();
      }
      assertThat(pe.logPdf(x)).isFinite();
    }
  }

  @Test
  void multivariateUsesScottsRule() {
    List<Distribution> dists = List.of(FloatDistribution.of(0, 10), FloatDistribution.of(0, 1));
    double[][] obs = new double[10][];
    for (int i = 0; i < 10; i++) {
      obs[i] = new double[] {i, i / 10.0};
    }
    ParzenEstimator pe =
        new ParzenEstimator(dists, obs, Tpe.rampWeights(10), ParzenEstimator.Options.DEFAULT, true);
    double expected = 0.2 * Math.pow(10, -1.0 / 6) * 10;
    assertThat(pe.sigmas[0][0]).isCloseTo(expected, within(1e-12));
    assertThat(pe.sigmas[0][10]).isEqualTo(10.0);
    assertThat(pe.sigmas[1][0]).isCloseTo(expected / 10, within(1e-12));
  }

  /**
   * On long histories the estimator merges equal kernels, skips blocks of far kernels and
   * remembers scored grid points; its log-density must still equal the plain log-sum-exp over
   * every kernel, for each parameter type, at points drawn from it and at uniform ones.
   */
  @Test
  void mergedAndSkippedKernelsScoreAsTheSumOverEveryKernel() {
    List<Distribution> types = List.of(
        FloatDistribution.of(0, 1),
        FloatDistribution.logOf(1e-5, 1),
        IntDistribution.of(1, 10),
        IntDistribution.logOf(8, 1024),
        FloatDistribution.stepped(0, 0.5, 0.05),
        CategoricalDistribution.of("a", "b", "c"));
    SplittableRandom rng = new SplittableRandom(11);
    for (Distribution d : types) {
      for (int n : new int[] {0, 1, 30, 400, 1500}) {
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
          // clustered like a TPE history: most draws near one point, some anywhere
          double u = rng.nextDouble() < 0.7
              ? Math.min(Math.max(0.3 + 0.03 * rng.nextGaussian(), 0), 1)
              : rng.nextDouble();
          rows[i] = new double[] {onGrid(d, u)};
        }
        ParzenEstimator pe = new ParzenEstimator(
            List.of(d), rows, Tpe.rampWeights(n), ParzenEstimator.Options.DEFAULT, false);
        for (int c = 0; c < 60; c++) {
          double[] x = c % 2 == 0 ? pe.sample(rng) : new double[] {onGrid(d, rng.nextDouble())};
          assertThat(pe.logPdf(x))
              .as("%s, %d observations, at %s", d, n, x[0])
              .isCloseTo(everyKernel(pe, x[0]), within(1e-9));
        }
      }
    }
  }

  private static double onGrid(Distribution d, double u) {
    ParzenEstimator.Dim dim = new ParzenEstimator.Dim(d);
    return dim.untransform(dim.lo + u * (dim.hi - dim.lo));
  }

  /** The log-density as a plain log-sum-exp over every kernel, each term computed exactly. */
  private static double everyKernel(ParzenEstimator pe, double x) {
    ParzenEstimator.Dim dim = pe.dims[0];
    double[] terms = new double[pe.kernels];
    for (int k = 0; k < pe.kernels; k++) {
      double term = pe.logWeights()[k];
      if (dim.categorical) {
        term += pe.logRows[0][k][(int) x];
      } else {
        double mu = pe.mus[0][k];
        double s = pe.sigmas[0][k];
        double logZ = NormalMath.logMass((dim.lo - mu) / s, (dim.hi - mu) / s);
        double t = dim.transform(x);
        if (dim.q > 0) {
          double a = Math.max(t - dim.q / 2, dim.lo);
          double b = Math.min(t + dim.q / 2, dim.hi);
          term += NormalMath.logMass((a - mu) / s, (b - mu) / s) - logZ;
        } else {
          double z = (t - mu) / s;
          term += -NormalMath.LOG_SQRT_2PI - logZ - 0.5 * z * z;
        }
      }
      terms[k] = term;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double t : terms) {
      max = Math.max(max, t);
    }
    double sum = 0;
    for (double t : terms) {
      sum += Math.exp(t - max);
    }
    return max + Math.log(sum);
  }
}
