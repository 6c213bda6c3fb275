package io.nemospawn.hpo;

import java.util.SplittableRandom;

/**
 * Synthetic learning curves of the two kinds the pruner tests and the HPO quality report use, one
 * value per step plus Gaussian noise. Published in this module's test-jar. A curve's quality q is
 * uniform in [0, 1] and its final loss is {@code 0.1 + 0.3 (1 - q)}.
 *
 * <ul>
 *   <li>{@link #PREDICTIVE}: {@code loss(k) = final (1 + 2 exp(-k / tau))}, tau uniform in [2, 12]
 *       and independent of q: the curves that are low early are mostly the ones that end low;
 *   <li>{@link #CROSSING}: {@code loss(k) = final + (1 - final) exp(-k / tau)} with {@code tau = 2
 *       + 40 q}: good configurations learn slowly, so the curves that look best early end worst.
 * </ul>
 */
public enum LearningCurves {
  PREDICTIVE("early values predict final ones"),
  CROSSING("curves cross: fast learners end worse");

  /** The noise of each reported value (standard deviation). */
  public static final double NOISE = 0.005;

  private final String description;

  LearningCurves(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  /** Draws one curve of {@code steps} values (steps 1..steps) from {@code rng}. */
  public double[] curve(SplittableRandom rng, int steps) {
    double quality = rng.nextDouble();
    double fin = 0.1 + 0.3 * (1 - quality);
    double tau = this == PREDICTIVE ? 2 + 10 * rng.nextDouble() : 2 + 40 * quality;
    double[] c = new double[steps];
    for (int k = 0; k < steps; k++) {
      double e = Math.exp(-(k + 1) / tau);
      double mean = this == PREDICTIVE ? fin * (1 + 2 * e) : fin + (1 - fin) * e;
      c[k] = mean + NOISE * rng.nextGaussian();
    }
    return c;
  }

  /** Draws {@code n} curves from a seed. */
  public double[][] curves(long seed, int n, int steps) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] out = new double[n][];
    for (int i = 0; i < n; i++) {
      out[i] = curve(rng, steps);
    }
    return out;
  }
}
