package io.nemospawn.core.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.StateException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PricingTest {
  @TempDir
  Path dir;

  @Test
  void pricesEachKindOfTokenExactly() {
    CostBreakdown c = Pricing.builtIn()
        .price("claude-sonnet-4-5-20250929", TokenUsage.of(1_234, 56_789, 1_000, 987, 0));
    assertThat(c.pricingModel()).isEqualTo("claude-sonnet-4-5");
    // 1234 × 3 / 1e6, 56789 × 0.30 / 1e6, 1000 × 3.75 / 1e6, 987 × 15 / 1e6
    assertThat(c.input()).isEqualByComparingTo("0.003702");
    assertThat(c.cachedInput()).isEqualByComparingTo("0.0170367");
    assertThat(c.cacheWrite()).isEqualByComparingTo("0.00375");
    assertThat(c.output()).isEqualByComparingTo("0.014805");
    assertThat(c.total()).isEqualByComparingTo("0.0392937");
    assertThat(c.pricingVersion()).isEqualTo("2026-12-01");
  }

  @Test
  void sumsStayExactWhereDoublesDrift() {
    Pricing p = Pricing.builtIn();
    BigDecimal sum = BigDecimal.ZERO;
    double drift = 0;
    for (int i = 0; i < 1000; i++) {
      // 1 token of o4-mini input: 0.0000011 USD each; doubles do not add that exactly
      CostBreakdown c = p.price("o4-mini", TokenUsage.of(1, 0, 0, 0, 0));
      sum = sum.add(c.total());
      drift += 1.10 / 1_000_000;
    }
    assertThat(sum).isEqualByComparingTo("0.0011");
    assertThat(drift).isNotEqualTo(0.0011);
  }

  @Test
  void theOverrideReplacesAndAddsModelsAndNamesItsVersion() throws Exception {
    Files.writeString(dir.resolve("pricing.json"), """
        {"format": "nemospawn.pricing.v1", "version": "acme-7",
         "models": {"claude-sonnet-4-5": {"input": "2", "output": "10"},
                    "Local Llama 70B": {"input": 0.1, "output": 0.2}}}
        """);
    Pricing p = Pricing.load(dir);
    assertThat(p.version()).isEqualTo("2026-12-01+acme-7");
    CostBreakdown c = p.price("claude-sonnet-4-5", TokenUsage.of(1_000_000, 1_000_000, 0, 0, 0));
    // cached input and cache writes default to the input rate when the override leaves them out
    assertThat(c.total()).isEqualByComparingTo("4");
    assertThat(p.price("local-llama-70b", TokenUsage.of(0, 0, 0, 3_000_000, 0)).total())
        .isEqualByComparingTo("0.6");
    assertThat(p.entryFor("gpt-5")).contains("gpt-5");
  }

  @Test
  void anUnknownModelIsReportedNeverPricedAtZero() {
    Pricing p = Pricing.builtIn();
    assertThat(p.find("my-private-model", TokenUsage.of(10, 0, 0, 10, 0))).isEmpty();
    assertThatThrownBy(() -> p.price("My Private/Model", TokenUsage.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("No price for model 'My Private/Model' (normalised"
            + " 'my-private-model') in pricing 2026-12-01; priced models: [")
        .hasMessageEndingWith("Add it to <data dir>/pricing.json");
  }

  @Test
  void aMalformedOverrideNamesTheFileAndTheFix() throws Exception {
    Path f = dir.resolve("pricing.json");
    Files.writeString(f, "{\"format\": \"nemospawn.pricing.v1\", \"version\": \"x\", ");
    assertThatThrownBy(() -> Pricing.load(dir))
        .isInstanceOf(StateException.class)
        .hasMessageStartingWith("The pricing file " + f + " is not valid JSON: ")
        .hasMessageContaining("Fix or remove " + f);
    Files.writeString(f, """
        {"format": "nemospawn.pricing.v1", "version": "x",
         "models": {"m": {"input": "three", "output": "1"}}}
        """);
    assertThatThrownBy(() -> Pricing.load(dir))
        .hasMessageStartingWith("The pricing file " + f
            + ": model 'm' has \"input\": \"three\", not a number of USD per million tokens.");
    Files.writeString(f, """
        {"format": "nemospawn.pricing.v1", "version": "x", "models": {"m": {"input": "-1", "output": "1"}}}
        """);
    assertThatThrownBy(() -> Pricing.load(dir)).hasMessageContaining("negative \"input\": -1");
    Files.writeString(f, "{\"format\": \"other\", \"version\": \"x\", \"models\": {}}");
    assertThatThrownBy(() -> Pricing.load(dir))
        .hasMessageStartingWith(
            "The pricing file " + f + " has format 'other', expected 'nemospawn.pricing.v1'");
    Files.writeString(f, """
        {"format": "nemospawn.pricing.v1", "version": "x", "models": {"m": {"input": "1"}}}
        """);
    assertThatThrownBy(() -> Pricing.load(dir))
        .hasMessageContaining("model 'm' has no \"output\" (USD per million tokens)");
  }
}
