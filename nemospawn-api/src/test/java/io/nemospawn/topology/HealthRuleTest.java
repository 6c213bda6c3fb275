package io.nemospawn.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HealthRuleTest {
  @Test
  void defaultRulesFindLowUtilisationHeatAndDoubleBitErrors() {
    List<GpuMetrics> metrics = List.of(
        GpuMetrics.unknown(0).withUtilisation(81, 40).withTemperature(55).withEcc(0, 0),
        GpuMetrics.unknown(1).withUtilisation(0, 0).withTemperature(88).withEcc(12, 2),
        GpuMetrics.unknown(2).withUtilisation(97, 40).withSmActive(4.5).withTemperature(60));
    List<HealthProblem> problems = HealthRule.evaluate(HealthRule.defaults(), metrics);
    assertThat(problems)
        .extracting(HealthProblem::message)
        .containsExactly(
            "GPU 1: utilisation 0 % is below 10 % (rule low-utilisation); check that its agent is"
                + " doing work, or free the GPU",
            "GPU 1: temperature 88 °C is above 85 °C (rule hot); check cooling and airflow; the GPU"
                + " throttles when hotter",
            "GPU 1: double-bit ECC error count 2 is above 0 (rule ecc-double-bit); results on this GPU"
                + " may be corrupt: drain it, then reset it (nvidia-smi -r) or replace it",
            "GPU 2: utilisation 4.5 % is below 10 % (rule low-utilisation); check that its agent is"
                + " doing work, or free the GPU");
    assertThat(problems.get(2).severity()).isEqualTo(HealthRule.Severity.CRITICAL);
    assertThat(problems.get(2).toMap())
        .containsEntry("severity", "critical")
        .containsEntry("gpu_id", 1)
        .containsEntry("rule", "ecc-double-bit");
  }

  @Test
  void unknownValuesRaiseNoProblem() {
    assertThat(HealthRule.evaluate(HealthRule.defaults(), List.of(GpuMetrics.unknown(0))))
        .isEmpty();
  }

  @Test
  void thresholdsAreData() {
    HealthRule power = new HealthRule(
        "power-cap",
        HealthRule.Metric.POWER_OF_LIMIT,
        HealthRule.Comparison.ABOVE,
        95,
        HealthRule.Severity.INFO,
        "the GPU is power capped");
    GpuMetrics m = GpuMetrics.unknown(3).withPower(690, 700);
    assertThat(power.check(m))
        .hasValueSatisfying(p -> assertThat(p.message())
            .isEqualTo("GPU 3: power draw 98.6 % of limit is above 95 % of limit (rule power-cap);"
                + " the GPU is power capped"));
    assertThat(HealthRule.evaluate(
            HealthRule.defaults(50, 95),
            List.of(GpuMetrics.unknown(0).withUtilisation(40, 0).withTemperature(90))))
        .extracting(HealthProblem::rule)
        .containsExactly("low-utilisation");
  }
}
