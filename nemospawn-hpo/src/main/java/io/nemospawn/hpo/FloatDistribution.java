package io.nemospawn.hpo;

import org.apiguardian.api.API;

/**
 * A real parameter in {@code [low, high]}, optionally on a log scale or on a grid of {@code step}
 * ({@code step == 0} means continuous). As in Optuna, {@code high} is moved down onto the grid.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record FloatDistribution(double low, double high, boolean log, double step)
    implements Distribution {

  /** Validates and normalises; see the class comment. */
  public FloatDistribution {
    if (!Double.isFinite(low) || !Double.isFinite(high) || low > high) {
      throw new IllegalArgumentException("Invalid float range [" + low + ", " + high
          + "]: low and high must be finite, low <= high.");
    }
    if (step < 0 || !Double.isFinite(step)) {
      throw new IllegalArgumentException(
          "Invalid step " + step + ": use a positive step, or 0 for none.");
    }
    if (log && step > 0) {
      throw new IllegalArgumentException(
          "Invalid float distribution: step " + step + " and log cannot be used together.");
    }
    if (log && low <= 0) {
      throw new IllegalArgumentException(
          "Invalid log range [" + low + ", " + high + "]: low must be > 0 on a log scale.");
    }
    if (step > 0) {
      double n = Math.floor((high - low) / step + 1e-9);
      high = low + n * step;
    }
  }

  /** Returns a uniform distribution on {@code [low, high]}. */
  public static FloatDistribution of(double low, double high) {
    return new FloatDistribution(low, high, false, 0);
  }

  /** Returns a log-uniform distribution on {@code [low, high]}, {@code low > 0}. */
  public static FloatDistribution logOf(double low, double high) {
    return new FloatDistribution(low, high, true, 0);
  }

  /** Returns a grid {@code low, low + step, ...} up to {@code high}. */
  public static FloatDistribution stepped(double low, double high, double step) {
    return new FloatDistribution(low, high, false, step);
  }

  @Override
  public double toInternal(Object value) {
    if (!(value instanceof Number n)) {
      throw new IllegalArgumentException(
          "Value " + value + " is not a number; " + this + " needs one.");
    }
    return n.doubleValue();
  }

  @Override
  public Object toExternal(double internal) {
    return internal;
  }

  @Override
  public boolean contains(double v) {
    if (step > 0) {
      double k = (v - low) / step;
      return v >= low - 1e-12 && v <= high + 1e-12 && Math.abs(k - Math.rint(k)) < 1e-8;
    }
    return v >= low && v <= high;
  }

  @Override
  public boolean isSingle() {
    return low == high;
  }
}
