package io.nemospawn.server.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.core.cost.Pricing;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class UsagePricingTest {
  static final UsagePricing PRICING = UsagePricing.of(Pricing.builtIn());

  static ObjectNode usage() {
    ObjectNode u = JsonMapper.builder().build().createObjectNode();
    // Codex counts: input includes the cached tokens, output includes the reasoning tokens
    u.put("input_tokens", 1_000_000).put("cached_input_tokens", 200_000);
    u.put("output_tokens", 100_000).put("reasoning_output_tokens", 50_000);
    u.put("last_input_tokens", 1_000).put("last_cached_input_tokens", 0);
    u.put("last_output_tokens", 0).put("last_reasoning_output_tokens", 0);
    return u;
  }

  @Test
  void codexCountsArePricedExactlyWithTheCostModulesPrices() {
    // gpt-5-codex per million: input 1.25, cached input 0.125, output 10, reasoning 0
    // 0.8 M * 1.25 + 0.2 M * 0.125 + 0.1 M * 10 = 1.0 + 0.025 + 1.0
    assertThat(PRICING.costUsd("gpt-5-codex", usage(), "").orElseThrow())
        .isEqualByComparingTo(new BigDecimal("2.025"));
    assertThat(PRICING.costUsd("gpt-5-codex", usage(), "last_").orElseThrow())
        .isEqualByComparingTo(new BigDecimal("0.00125"));
  }

  @Test
  void anUnknownModelStaysUnpricedRatherThanFree() {
    assertThat(PRICING.costUsd("mock-model-x", usage(), "")).isEmpty();
    assertThat(UsagePricing.NONE.costUsd("gpt-5-codex", usage(), "")).isEmpty();
  }
}
