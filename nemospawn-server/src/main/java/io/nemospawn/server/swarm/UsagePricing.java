package io.nemospawn.server.swarm;

import java.math.BigDecimal;
import java.util.Optional;
import org.apiguardian.api.API;
import tools.jackson.databind.node.ObjectNode;

/**
 * The seam where {@code usage} events get their {@code estimated_cost_usd}: given a model and the
 * event's token counts, returns the cost. The versioned pricing file and its calculator belong to
 * the cost work (issue 17); until it is wired in, {@link #NONE} prices nothing and usage events
 * carry the token counts with {@code estimated_cost_usd: null} and a {@code pricing_status} saying
 * why.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
@FunctionalInterface
public interface UsagePricing {
  /** Prices nothing: no pricing data is wired in yet. */
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
}
