package io.nemospawn.hpo;

import org.apiguardian.api.API;

/**
 * An integer parameter in {@code [low, high]} on a grid of {@code step} (default 1), or on a log
 * scale (step 1, {@code low >= 1}). As in Optuna, {@code high} is moved down onto the grid.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record IntDistribution(long low, long high, boolean log, long step) implements Distribution {

  /** Validates and normalises; see the class comment. */
  public IntDistribution {
    if (low > high) {
      throw new IllegalArgumentException(
          "Invalid int range [" + low + ", " + high + "]: low must be <= high.");
    }
    if (step < 1) {
      throw new IllegalArgumentException(
          "Invalid step " + step + ": the step of an int must be >= 1.");
    }
    if (log && step != 1) {
      throw new IllegalArgumentException(
          "Invalid int distribution: step " + step + " and log cannot be used together.");
    }
    if (log && low < 1) {
      throw new IllegalArgumentException(
          "Invalid log range [" + low + ", " + high + "]: low must be >= 1 on a log scale.");
    }
    high = low + (high - low) / step * step;
  }

  /** Returns integers {@code low..high}. */
  public static IntDistribution of(long low, long high) {
    return new IntDistribution(low, high, false, 1);
  }

  /** Returns integers {@code low..high} on a log scale. */
  public static IntDistribution logOf(long low, long high) {
    return new IntDistribution(low, high, true, 1);
  }

  /** Returns integers {@code low, low + step, ...} up to {@code high}. */
  public static IntDistribution stepped(long low, long high, long step) {
    return new IntDistribution(low, high, false, step);
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
    return Math.round(internal);
  }

  @Override
  public boolean contains(double v) {
    return v >= low && v <= high && v == Math.rint(v) && ((long) v - low) % step == 0;
  }

  @Override
  public boolean isSingle() {
    return low == high;
  }
}
