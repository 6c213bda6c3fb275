package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * What a {@link TokenUsage} costs under one model's price, per kind of token and in total, in
 * exact USD (no rounding: each part is tokens × rate / 1,000,000). Immutable, thread-safe.
 *
 * @param model the model as reported by the agent
 * @param pricingModel the entry of the pricing file that priced it
 * @param pricingVersion the version of the pricing file
 * @param usage the tokens
 * @param input USD for the uncached input tokens
 * @param cachedInput USD for the cached input tokens
 * @param cacheWrite USD for the cache writes
 * @param output USD for the output tokens
 * @param reasoning USD for the reasoning tokens
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public record CostBreakdown(
    String model,
    String pricingModel,
    String pricingVersion,
    TokenUsage usage,
    BigDecimal input,
    BigDecimal cachedInput,
    BigDecimal cacheWrite,
    BigDecimal output,
    BigDecimal reasoning) {
  /** Validates that nothing is null. */
  public CostBreakdown {
    requireNonNull(model, "model");
    requireNonNull(pricingModel, "pricingModel");
    requireNonNull(pricingVersion, "pricingVersion");
    requireNonNull(usage, "usage");
    requireNonNull(input, "input");
    requireNonNull(cachedInput, "cachedInput");
    requireNonNull(cacheWrite, "cacheWrite");
    requireNonNull(output, "output");
    requireNonNull(reasoning, "reasoning");
  }

  /** Returns the total in USD, exact. */
  public BigDecimal total() {
    return input.add(cachedInput).add(cacheWrite).add(output).add(reasoning);
  }

  /** Returns the breakdown under the names the state files and {@code --json} use. */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("pricing_model", pricingModel);
    m.put("pricing_version", pricingVersion);
    m.putAll(usage.toFormatMap());
    m.put("input_usd", input.toPlainString());
    m.put("cached_input_usd", cachedInput.toPlainString());
    m.put("cache_write_usd", cacheWrite.toPlainString());
    m.put("output_usd", output.toPlainString());
    m.put("reasoning_usd", reasoning.toPlainString());
    m.put("total_usd", total().toPlainString());
    return m;
  }
}
