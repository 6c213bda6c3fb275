package io.nemospawn.hpo.internal;

import java.util.function.IntUnaryOperator;

/** TPE's default functions, as in Optuna 3.1. */
public final class Tpe {
  private Tpe() {}

  /** Optuna's default gamma: {@code min(ceil(0.1 n), 25)}. */
  public static final IntUnaryOperator DEFAULT_GAMMA = n -> Math.min((int) Math.ceil(0.1 * n), 25);

  /** Hyperopt's gamma: {@code min(ceil(0.25 sqrt(n)), 25)}. */
  public static final IntUnaryOperator HYPEROPT_GAMMA =
      n -> Math.min((int) Math.ceil(0.25 * Math.sqrt(n)), 25);

  /**
   * Returns Optuna's default weights for n observations in chronological order: all 1 below 25,
   * else a ramp {@code linspace(1/n, 1, n - 25)} for the oldest and 1 for the newest 25.
   */
  public static double[] rampWeights(int n) {
    double[] w = new double[n];
    if (n < 25) {
      java.util.Arrays.fill(w, 1.0);
      return w;
    }
    int ramp = n - 25;
    double start = 1.0 / n;
    for (int i = 0; i < ramp; i++) {
      w[i] = ramp == 1 ? start : start + (1.0 - start) * i / (ramp - 1);
    }
    for (int i = ramp; i < n; i++) {
      w[i] = 1.0;
    }
    return w;
  }
}
