package io.nemospawn.hpo.internal;

/**
 * The standard normal distribution computed to near machine precision, in log space where the
 * tails need it: {@code erfc} by a tabulated Taylor step below 8 (exact to the power series it
 * replaced within a few units in the last place) and its continued fraction above, log
 * of the CDF with the asymptotic form far in the left tail, log of an interval's mass with the
 * symmetric trick, and the inverse CDF (Acklam's approximation refined by Halley steps).
 */
final class NormalMath {
  static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
  private static final double SQRT2 = Math.sqrt(2);
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
  private static final double HALF_LOG_PI = 0.5 * Math.log(Math.PI);
  private static final double LOG2 = Math.log(2);

  private NormalMath() {}

  /**
   * Returns erfc(z) for z >= 0: below {@link #TABLE_END} by a short Taylor step from the nearest
   * point of a table, else by the continued fraction. The table holds erfc and e^(-z^2) every
   * 1/{@link #STEPS_PER_UNIT}; from the point z0 nearest z (|h| = |z - z0| <= 1/256),
   *
   * <pre>erfc(z0 + h) = erfc(z0) - 2/sqrt(pi) e^(-z0^2) sum_n (-1)^n H_n(z0) h^(n+1) / (n+1)!</pre>
   *
   * with the Hermite polynomials H_n by their recurrence: about ten multiply-adds, no {@code exp},
   * instead of a power series of up to 300 terms, to within a few units in the last place (the
   * terms fall by a factor of at least 2 z0 |h| / n, so 12 of them reach 1e-17 of the value).
   */
  static double erfcPos(double z) {
    if (z < TABLE_END) {
      int i = (int) (z * STEPS_PER_UNIT + 0.5);
      double z0 = i * (1.0 / STEPS_PER_UNIT);
      double h = z - z0;
      if (h == 0) {
        return ERFC[i];
      }
      // sum_n (-1)^n H_n(z0) h^(n+1) / (n+1)!, n = 0..TAYLOR_TERMS-1
      double hPrev = 1; // H_0
      double hCur = 2 * z0; // H_1
      double power = h; // h^(n+1) / (n+1)! for n = 0
      double sum = power; // n = 0 term: H_0 h
      power *= -h / 2; // n = 1, sign folded in
      sum += hCur * power;
      for (int n = 2; n < TAYLOR_TERMS; n++) {
        double hNext = 2 * z0 * hCur - 2 * (n - 1) * hPrev;
        hPrev = hCur;
        hCur = hNext;
        power *= -h / (n + 1);
        sum += hCur * power;
      }
      return ERFC[i] - TWO_OVER_SQRT_PI * EXP_NEG_SQ[i] * sum;
    }
    return Math.exp(logErfcLarge(z));
  }

  /** Returns erfc(z) for 0 <= z < 3 by its power series (the table's reference). */
  static double erfcSeries(double z) {
    double z2 = z * z;
    double term = z;
    double sum = z;
    for (int n = 1; n < 300; n++) {
      term *= 2 * z2 / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
  }

  private static final int STEPS_PER_UNIT = 128;
  private static final double TABLE_END = 8.0;
  private static final int TAYLOR_TERMS = 12;
  private static final double[] ERFC = new double[(int) (TABLE_END * STEPS_PER_UNIT) + 2];
  private static final double[] EXP_NEG_SQ = new double[ERFC.length];

  static {
    for (int i = 0; i < ERFC.length; i++) {
      double z0 = i * (1.0 / STEPS_PER_UNIT);
      // The series loses digits to cancellation above 1 (1e-11 near 3); the fraction does not.
      ERFC[i] = z0 < 1.0 ? erfcSeries(z0) : Math.exp(logErfcFraction(z0, 2000));
      EXP_NEG_SQ[i] = Math.exp(-z0 * z0);
    }
  }

  /** Returns log erfc(z) for z >= 3 by the continued fraction, evaluated backwards. */
  private static double logErfcLarge(double z) {
    return logErfcFraction(z, z < 5 ? 90 : (z < 10 ? 40 : 20));
  }

  /** Returns log erfc(z) for z >= 3 by the continued fraction with {@code terms} terms. */
  private static double logErfcFraction(double z, int terms) {
    double t = z;
    for (int k = terms; k >= 1; k--) {
      t = z + (k * 0.5) / t;
    }
    return -z * z - Math.log(t) - HALF_LOG_PI;
  }

  /** Returns the standard normal CDF. */
  static double ndtr(double x) {
    double z = x / SQRT2;
    return z < 0 ? 0.5 * erfcPos(-z) : 1 - 0.5 * erfcPos(z);
  }

  /** Returns log of the standard normal CDF, accurate in both tails. */
  static double logNdtr(double x) {
    if (x > 0) {
      return Math.log1p(-0.5 * erfcPos(x / SQRT2));
    }
    double z = -x / SQRT2;
    if (z < TABLE_END) {
      return Math.log(0.5 * erfcPos(z));
    }
    return logErfcLarge(z) - LOG2;
  }

  /** Returns log(Phi(b) - Phi(a)) for a < b. */
  static double logMass(double a, double b) {
    if (a <= -8.5 && b >= 8.5) {
      // both tails hold less than 1e-17: log of the mass is 0 to double precision
      return 0;
    }
    if (a >= 0) {
      double t = -b;
      b = -a;
      a = t;
    }
    if (b <= 0) {
      double lb = logNdtr(b);
      double la = logNdtr(a);
      return lb + Math.log1p(-Math.exp(la - lb));
    }
    return Math.log1p(-ndtr(-b) - ndtr(a));
  }

  /** Returns log(exp(a) + exp(b)). */
  static double logAddExp(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    double m = Math.max(a, b);
    return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
  }

  /** Returns the standard normal quantile of p in (0, 1). */
  static double ndtri(double p) {
    if (p <= 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p >= 1) {
      return Double.POSITIVE_INFINITY;
    }
    double x;
    double plow = 0.02425;
    if (p < plow) {
      double q = Math.sqrt(-2 * Math.log(p));
      x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
          / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    } else if (p <= 1 - plow) {
      double q = p - 0.5;
      double r = q * q;
      x = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5])
          * q
          / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
    } else {
      double q = Math.sqrt(-2 * Math.log1p(-p));
      x = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
          / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
    for (int i = 0; i < 2; i++) {
      double e = ndtr(x) - p;
      double u = e * Math.sqrt(2 * Math.PI) * Math.exp(x * x / 2);
      x = x - u / (1 + x * u / 2);
    }
    return x;
  }

  /**
   * Returns a draw of the standard normal truncated to [a, b] at uniform u in [0, 1): the inverse
   * CDF, computed on the left tail side (mirrored) so small probabilities keep their precision; in
   * extreme tails it falls back to bisection on the log CDF, as Optuna does.
   */
  static double truncatedPpf(double u, double a, double b) {
    if (a >= 0) {
      return -truncatedPpf(1 - u, -b, -a);
    }
    double pa = ndtr(a);
    double pb = ndtr(b);
    if (pb > 1e-280 && pb - pa > 1e-12) {
      double x = ndtri(pa + u * (pb - pa));
      return Math.min(Math.max(x, a), b);
    }
    double target = logAddExp(logNdtr(a), Math.log(u) + logMass(a, b));
    double lo = a;
    double hi = b;
    for (int i = 0; i < 100; i++) {
      double mid = 0.5 * (lo + hi);
      if (logNdtr(mid) < target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  private static final double[] A = {
    -3.969683028665376e+01,
    2.209460984245205e+02,
    -2.759285104469687e+02,
    1.383577518672690e+02,
    -3.066479806614716e+01,
    2.506628277459239e+00
  };
  private static final double[] B = {
    -5.447609879822406e+01,
    1.615858368580409e+02,
    -1.556989798598866e+02,
    6.680131188771972e+01,
    -1.328068155288572e+01
  };
  private static final double[] C = {
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e+00,
    -2.549732539343734e+00,
    4.374664141464968e+00,
    2.938163982698783e+00
  };
  private static final double[] D = {
    7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
  };
}
