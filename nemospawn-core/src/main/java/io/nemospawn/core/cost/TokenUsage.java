package io.nemospawn.core.cost;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * Token counts of one or more model calls, split the way providers bill them.
 *
 * <ul>
 *   <li>{@code input}: input tokens billed at the full input rate (neither read from nor written
 *       to a prompt cache);
 *   <li>{@code cachedInput}: input tokens read from a prompt cache (Claude's {@code
 *       cache_read_input_tokens}, Codex's {@code cached_input_tokens});
 *   <li>{@code cacheWrite}: input tokens written to a prompt cache (Claude's {@code
 *       cache_creation_input_tokens});
 *   <li>{@code output}: output tokens;
 *   <li>{@code reasoning}: reasoning tokens as the provider reports them apart (Codex's {@code
 *       reasoning_output_tokens}, which OpenAI already counts in {@code output}; the shipped
 *       pricing therefore gives them the rate 0).
 * </ul>
 *
 * <p>Immutable, thread-safe.
 *
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public record TokenUsage(
    long input, long cachedInput, long cacheWrite, long output, long reasoning) {
  /** No tokens. */
  public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0);

  /** Validates that no count is negative. */
  public TokenUsage {
    if (input < 0 || cachedInput < 0 || cacheWrite < 0 || output < 0 || reasoning < 0) {
      throw new IllegalArgumentException("Token counts cannot be negative: input=" + input
          + " cachedInput=" + cachedInput + " cacheWrite=" + cacheWrite + " output=" + output
          + " reasoning=" + reasoning);
    }
  }

  /** Returns a usage of the given counts. */
  public static TokenUsage of(
      long input, long cachedInput, long cacheWrite, long output, long reasoning) {
    return new TokenUsage(input, cachedInput, cacheWrite, output, reasoning);
  }

  /** Returns the sum of both usages. */
  public TokenUsage plus(TokenUsage o) {
    return new TokenUsage(
        Math.addExact(input, o.input),
        Math.addExact(cachedInput, o.cachedInput),
        Math.addExact(cacheWrite, o.cacheWrite),
        Math.addExact(output, o.output),
        Math.addExact(reasoning, o.reasoning));
  }

  /** Returns what this usage has beyond {@code o}, field by field, never below zero. */
  public TokenUsage minusFloor(TokenUsage o) {
    return new TokenUsage(
        Math.max(0, input - o.input),
        Math.max(0, cachedInput - o.cachedInput),
        Math.max(0, cacheWrite - o.cacheWrite),
        Math.max(0, output - o.output),
        Math.max(0, reasoning - o.reasoning));
  }

  /** Returns the larger count of each field. */
  public TokenUsage max(TokenUsage o) {
    return new TokenUsage(
        Math.max(input, o.input),
        Math.max(cachedInput, o.cachedInput),
        Math.max(cacheWrite, o.cacheWrite),
        Math.max(output, o.output),
        Math.max(reasoning, o.reasoning));
  }

  /**
   * Returns every token counted once: input, cached input, cache writes and output (reasoning is
   * part of the output for the providers that report it apart).
   */
  public long total() {
    return input + cachedInput + cacheWrite + output;
  }

  /** Returns whether no token is counted. */
  public boolean isZero() {
    return equals(ZERO);
  }

  /** Returns the counts under the names the state files use. */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input_tokens", input);
    m.put("cached_input_tokens", cachedInput);
    m.put("cache_write_tokens", cacheWrite);
    m.put("output_tokens", output);
    m.put("reasoning_tokens", reasoning);
    return m;
  }

  /** Reads counts written by {@link #toFormatMap}; a missing field counts 0. */
  public static TokenUsage fromFormatMap(Map<String, ?> m) {
    return new TokenUsage(
        count(m, "input_tokens"),
        count(m, "cached_input_tokens"),
        count(m, "cache_write_tokens"),
        count(m, "output_tokens"),
        count(m, "reasoning_tokens"));
  }

  private static long count(Map<String, ?> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return 0;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    throw new IllegalArgumentException("Token count '" + key + "' is not a number: '" + v + "'");
  }
}
