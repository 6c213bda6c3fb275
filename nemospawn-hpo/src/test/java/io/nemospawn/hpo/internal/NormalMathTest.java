package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

class NormalMathTest {
  @Test
  void cdfMatchesReferenceValuesInBothTails() {
    // references: scipy.special.ndtr / log_ndtr
    assertThat(NormalMath.ndtr(0)).isEqualTo(0.5);
    assertThat(NormalMath.ndtr(1)).isCloseTo(0.8413447460685429, within(1e-15));
    assertThat(NormalMath.ndtr(-3))
        .isCloseTo(0.0013498980316300946, Percentage.withPercentage(1e-10));
    assertThat(NormalMath.ndtr(-10))
        .isCloseTo(7.619853024160527e-24, Percentage.withPercentage(1e-9));
    assertThat(NormalMath.logNdtr(-40)).isCloseTo(-804.6084420137538, within(1e-9));
    assertThat(NormalMath.logNdtr(5))
        .isCloseTo(-2.866516129637636e-07, Percentage.withPercentage(1e-8));
  }

  @Test
  void intervalMassIsStableFarInTheTails() {
    assertThat(NormalMath.logMass(-1, 1)).isCloseTo(Math.log(0.6826894921370859), within(1e-14));
    assertThat(NormalMath.logMass(30, 31)).isCloseTo(NormalMath.logMass(-31, -30), within(1e-12));
    assertThat(NormalMath.logMass(30, 31)).isCloseTo(-454.3212439, within(1e-6));
  }

  @Test
  void inverseCdfRoundTrips() {
    for (double p : new double[] {1e-300, 1e-12, 0.01, 0.3, 0.5, 0.9, 0.999999}) {
      assertThat(NormalMath.ndtr(NormalMath.ndtri(p)))
          .isCloseTo(p, Percentage.withPercentage(1e-8));
    }
    for (double u = 0; u < 1; u += 0.1) {
      double x = NormalMath.truncatedPpf(u, 35, 36);
      assertThat(x).isBetween(35.0, 36.0);
    }
  }

  @Test
  void tabulatedErfcAgreesWithTheSeriesAndTheContinuedFractionToTheLastDigits() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    double worst = 0;
    for (int i = 0; i < 200_000; i++) {
      double z = i < 100_000 ? rnd.nextDouble() * 3 : 3 + rnd.nextDouble() * 5;
      double reference = z < 1 ? NormalMath.erfcSeries(z) : cf(z);
      double got = NormalMath.erfcPos(z);
      worst = Math.max(worst, Math.abs(got - reference) / reference);
    }
    assertThat(worst).isLessThan(2e-14);
    // grid points and the edges of the table
    for (double z : new double[] {0, 1.0 / 256, 1.0 / 128, 2.999999, 3, 7.99999, 8, 8.5}) {
      double reference = z < 1 ? NormalMath.erfcSeries(z) : cf(z);
      assertThat(NormalMath.erfcPos(z)).isCloseTo(reference, Percentage.withPercentage(2e-12));
    }
  }

  /**
   * erfc by the continued fraction with many terms: the reference above 1, where the power series
   * loses digits to cancellation (checked against Python's math.erfc: within 4e-15).
   */
  private static double cf(double z) {
    double t = z;
    for (int k = 2000; k >= 1; k--) {
      t = z + (k * 0.5) / t;
    }
    return Math.exp(-z * z - Math.log(t) - 0.5 * Math.log(Math.PI));
  }
}
