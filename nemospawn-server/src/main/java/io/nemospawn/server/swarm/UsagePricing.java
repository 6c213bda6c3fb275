package io.nemospawn.server.swarm;

import java.math.BigDecimal;
import java.util.Optional;
import org.apiguardian.api.API;
import tools.jackson.databind.node.ObjectNode;

/**
 * The seam where {@code usage} events get their {@code estimated_cost_usd}: given a model and the
 * event's token counts, returns the cost. {@link #of} prices with the cost module's versioned
 * pricing file (what {@code Swarms.open} uses); {@link #NONE} prices nothing. An unpriced event
 * carries the token counts with {@code estimated_cost_usd: null} and a {@code pricing_status}
 * saying why.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
@FunctionalInterface
public interface UsagePricing {
  /** Prices nothing (tests, or a service that should not price). */
  UsagePricing NONE = (model, usage, prefix) -> Optional.empty();

  /**
   * Prices token counts.
   *
   * @param model the pricing model name (the swarm's {@code pricing_model})
   * @param usage the usage event's fields ({@code input_tokens}, {@code cached_input_tokens},
   *     {@code output_tokens}, {@code reasoning_output_tokens}, and the {@code last_} forms)
   * @param prefix {@code ""} for thread totals, {@code "last_"} for the last turn
   * @return the cost in USD, or empty when the model has no price
   */
  Optional<BigDecimal> costUsd(String model, ObjectNode usage, String prefix);

  /**
   * Prices usage events with the cost module's pricing data (the same file {@code nemospawn cost}
   * uses). The event's counts are Codex's: {@code input_tokens} includes {@code
   * cached_input_tokens}, which are billed at the cached rate; {@code reasoning_output_tokens} are
   * part of {@code output_tokens}.
   *
   * @param pricing the prices, e.g. {@code Pricing.load(dataDir)}
   * @return a seam that prices known models and leaves unknown ones unpriced
   */
  static UsagePricing of(io.nemospawn.core.cost.Pricing pricing) {
    java.util.Objects.requireNonNull(pricing, "pricing");
    return (model, usage, prefix) -> {
      long input = usage.path(prefix + "input_tokens").asLong(0);
      long cached = Math.min(input, usage.path(prefix + "cached_input_tokens").asLong(0));
      io.nemospawn.core.cost.TokenUsage tokens = io.nemospawn.core.cost.TokenUsage.of(
          input - cached,
          cached,
          0,
          usage.path(prefix + "output_tokens").asLong(0),
          usage.path(prefix + "reasoning_output_tokens").asLong(0));
      return pricing.find(model, tokens).map(io.nemospawn.core.cost.CostBreakdown::total);
    };
  }
}
