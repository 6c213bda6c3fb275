package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import org.apiguardian.api.API;

/**
 * What one model costs, in USD per million tokens of each kind (see {@link TokenUsage}).
 * Immutable, thread-safe.
 *
 * @param input per million uncached input tokens
 * @param cachedInput per million input tokens read from a prompt cache
 * @param cacheWrite per million input tokens written to a prompt cache
 * @param output per million output tokens
 * @param reasoning per million reasoning tokens reported apart (0 where the output counts them)
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public record ModelPrice(
    BigDecimal input,
    BigDecimal cachedInput,
    BigDecimal cacheWrite,
    BigDecimal output,
    BigDecimal reasoning) {
  /** Validates that no rate is null or negative. */
  public ModelPrice {
    requireNonNull(input, "input");
    requireNonNull(cachedInput, "cachedInput");
    requireNonNull(cacheWrite, "cacheWrite");
    requireNonNull(output, "output");
    requireNonNull(reasoning, "reasoning");
    for (BigDecimal d : new BigDecimal[] {input, cachedInput, cacheWrite, output, reasoning}) {
      if (d.signum() < 0) {
        throw new IllegalArgumentException("A price cannot be negative: " + d.toPlainString());
      }
    }
  }
}
