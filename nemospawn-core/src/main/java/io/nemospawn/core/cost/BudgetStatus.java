package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apiguardian.api.API;

/**
 * Where a team stands against its budget. Immutable, thread-safe.
 *
 * @param teamId the team
 * @param budget the limits
 * @param startedAt when the budget was first set (wall time counts from here)
 * @param limits each limit that is set, with what is used
 * @param stoppedAt when the team was last stopped for going over it, or {@link Instant#EPOCH}
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public record BudgetStatus(
    String teamId, Budget budget, Instant startedAt, List<Limit> limits, Instant stoppedAt) {
  /** The share of a limit at which the leader is warned. */
  public static final BigDecimal WARN_AT = new BigDecimal("0.8");

  /** Copies the list in. */
  public BudgetStatus {
    requireNonNull(teamId, "teamId");
    requireNonNull(budget, "budget");
    requireNonNull(startedAt, "startedAt");
    limits = List.copyOf(limits);
    requireNonNull(stoppedAt, "stoppedAt");
  }

  /**
   * One limit: its kind ({@code gpu_hours}, {@code tokens}, {@code usd}, {@code wall_seconds}),
   * what is used and the limit.
   */
  public record Limit(String kind, BigDecimal used, BigDecimal limit) {
    /** Returns used / limit (1 = spent). */
    public BigDecimal fraction() {
      return used.divide(limit, 6, RoundingMode.HALF_EVEN);
    }

    /** Returns whether the limit is reached. */
    public boolean isExceeded() {
      return used.compareTo(limit) >= 0;
    }

    /** Returns whether the warning share is reached. */
    public boolean isNear() {
      return fraction().compareTo(WARN_AT) >= 0;
    }

    /** Returns e.g. {@code usd 10.2 of 10 (102.0 %)}. */
    public String describe() {
      BigDecimal pct =
          fraction().multiply(BigDecimal.valueOf(100)).setScale(1, RoundingMode.HALF_EVEN);
      return kind + " " + plain(used) + " of " + plain(limit) + " (" + pct.toPlainString() + " %)";
    }

    private static String plain(BigDecimal d) {
      BigDecimal r = d.scale() > 6 ? d.setScale(6, RoundingMode.HALF_EVEN) : d;
      return r.signum() == 0 ? "0" : r.stripTrailingZeros().toPlainString();
    }
  }

  /** Returns the limits that are reached. */
  public List<Limit> exceeded() {
    return limits.stream().filter(Limit::isExceeded).toList();
  }

  /** Returns whether any limit is reached. */
  public boolean isExceeded() {
    return !exceeded().isEmpty();
  }

  /** Returns the reached limits described, e.g. {@code usd 10.2 of 10 (102.0 %)}. */
  public String describeExceeded() {
    return exceeded().stream().map(Limit::describe).collect(Collectors.joining(", "));
  }

  /** Returns the status under the names {@code --json} uses. */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("team_id", teamId);
    m.put("started_at", io.nemospawn.spi.StateFormat.formatTimestamp(startedAt));
    Map<String, Object> l = new LinkedHashMap<>();
    for (Limit x : limits) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("used", CostReport.plain(x.used()));
      one.put("limit", CostReport.plain(x.limit()));
      one.put("fraction", CostReport.plain(x.fraction()));
      one.put("exceeded", x.isExceeded());
      l.put(x.kind(), one);
    }
    m.put("limits", l);
    m.put("exceeded", isExceeded());
    m.put(
        "stopped_at",
        stoppedAt.equals(Instant.EPOCH)
            ? null
            : io.nemospawn.spi.StateFormat.formatTimestamp(stoppedAt));
    return m;
  }
}
