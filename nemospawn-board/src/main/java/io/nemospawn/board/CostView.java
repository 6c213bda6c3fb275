package io.nemospawn.board;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import org.apiguardian.api.API;

/**
 * What a team has cost, as the board's cost panel and the exporter's {@code nemospawn_cost_*}
 * series show it: money in US dollars since the team's cost ledger was last reset, GPU-hours,
 * tokens (those of models without a price counted apart, never priced at zero), per agent, and
 * where the team stands against each limit of its budget. A {@link CostSource} gives it; the CLI's
 * comes from nemospawn-core's cost ledger. Immutable.
 *
 * @param from the start of the window (the last reset)
 * @param at when it was read
 * @param gpuUsd what the GPU time cost
 * @param tokenUsd what the priced tokens cost
 * @param gpuHours GPU-hours of every agent
 * @param tokens every token counted
 * @param unpricedTokens the tokens of models the pricing does not know
 * @param agents cost per agent
 * @param budget the limits of the team's budget, empty when it has none
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public record CostView(
    Instant from,
    Instant at,
    BigDecimal gpuUsd,
    BigDecimal tokenUsd,
    BigDecimal gpuHours,
    long tokens,
    long unpricedTokens,
    List<Agent> agents,
    List<Limit> budget) {

  /** Checks and copies. */
  public CostView {
    requireNonNull(from, "from");
    requireNonNull(at, "at");
    requireNonNull(gpuUsd, "gpuUsd");
    requireNonNull(tokenUsd, "tokenUsd");
    requireNonNull(gpuHours, "gpuHours");
    agents = List.copyOf(agents);
    budget = List.copyOf(budget);
  }

  /** Returns GPU and token cost together. */
  public BigDecimal totalUsd() {
    return gpuUsd.add(tokenUsd);
  }

  /**
   * One agent's cost.
   *
   * @param agentId the agent's id
   * @param name its name
   * @param gpuHours its GPU-hours
   * @param gpuUsd what its GPU time cost
   * @param tokens its tokens
   * @param tokenUsd what its priced tokens cost
   */
  public record Agent(
      String agentId,
      String name,
      BigDecimal gpuHours,
      BigDecimal gpuUsd,
      long tokens,
      BigDecimal tokenUsd) {
    /** Checks. */
    public Agent {
      requireNonNull(agentId, "agentId");
      requireNonNull(name, "name");
      requireNonNull(gpuHours, "gpuHours");
      requireNonNull(gpuUsd, "gpuUsd");
      requireNonNull(tokenUsd, "tokenUsd");
    }

    /** Returns GPU and token cost together. */
    public BigDecimal totalUsd() {
      return gpuUsd.add(tokenUsd);
    }
  }

  /**
   * One limit of the team's budget.
   *
   * @param kind {@code gpu_hours}, {@code tokens}, {@code usd} or {@code wall_seconds}
   * @param used what is used
   * @param limit the limit (positive)
   */
  public record Limit(String kind, BigDecimal used, BigDecimal limit) {
    /** Checks. */
    public Limit {
      requireNonNull(kind, "kind");
      requireNonNull(used, "used");
      requireNonNull(limit, "limit");
      if (limit.signum() <= 0) {
        throw new IllegalArgumentException(
            "Budget limit " + kind + " must be positive, was " + limit.toPlainString());
      }
    }

    /** Returns used / limit (1 = spent). */
    public double fraction() {
      return used.divide(limit, 6, RoundingMode.HALF_EVEN).doubleValue();
    }
  }
}
