package io.nemospawn.core.cost;

import java.math.BigDecimal;
import java.time.Duration;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A team's spending limits; each one is optional (null: no limit of that kind), at least one is
 * set. GPU-hours and USD count from the team's last cost reset (what {@link CostLedger} reports);
 * tokens count every token of every agent; wall time counts from when the budget was first set.
 * Immutable, thread-safe.
 *
 * @param gpuHours GPU-hours, or null
 * @param tokens tokens (input, cached input, cache writes and output), or null
 * @param usd USD for GPU time and tokens together, or null
 * @param wall wall-clock time, or null
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public record Budget(
    @Nullable BigDecimal gpuHours,
    @Nullable Long tokens,
    @Nullable BigDecimal usd,
    @Nullable Duration wall) {
  /** Validates that one limit at least is set and none is negative or zero. */
  public Budget {
    if (gpuHours == null && tokens == null && usd == null && wall == null) {
      throw new IllegalArgumentException(
          "A budget needs at least one limit: GPU-hours, tokens, USD or wall time");
    }
    if (gpuHours != null && gpuHours.signum() <= 0) {
      throw new IllegalArgumentException(
          "Invalid GPU-hours limit " + gpuHours.toPlainString() + "; use a number above 0");
    }
    if (tokens != null && tokens <= 0) {
      throw new IllegalArgumentException(
          "Invalid tokens limit " + tokens + "; use a number above 0");
    }
    if (usd != null && usd.signum() <= 0) {
      throw new IllegalArgumentException(
          "Invalid USD limit " + usd.toPlainString() + "; use a number above 0");
    }
    if (wall != null && (wall.isNegative() || wall.isZero())) {
      throw new IllegalArgumentException(
          "Invalid wall-time limit " + wall + "; use a duration above 0");
    }
  }

  /** Returns this budget with the limits {@code o} sets replacing these (a raise, a new kind). */
  public Budget merge(Budget o) {
    return new Budget(
        o.gpuHours != null ? o.gpuHours : gpuHours,
        o.tokens != null ? o.tokens : tokens,
        o.usd != null ? o.usd : usd,
        o.wall != null ? o.wall : wall);
  }
}
