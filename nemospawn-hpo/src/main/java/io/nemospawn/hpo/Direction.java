package io.nemospawn.hpo;

import java.util.Locale;
import org.apiguardian.api.API;

/**
 * Whether a study minimises or maximises its objective. The names are Optuna's.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum Direction {
  MINIMIZE,
  MAXIMIZE;

  /**
   * Parses {@code minimize}/{@code maximize} (any case; {@code min}/{@code max} too).
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Direction parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "minimize":
      case "minimise":
      case "min":
        return MINIMIZE;
      case "maximize":
      case "maximise":
      case "max":
        return MAXIMIZE;
      default:
        throw new IllegalArgumentException(
            "Unknown direction '" + text + "': use 'minimize' or 'maximize'.");
    }
  }

  /** Returns the value as a loss: itself when minimising, its negation when maximising. */
  public double loss(double value) {
    return this == MINIMIZE ? value : -value;
  }

  /** Returns whether {@code a} is strictly better than {@code b}. */
  public boolean isBetter(double a, double b) {
    return this == MINIMIZE ? a < b : a > b;
  }
}
