package io.nemospawn.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReallocationPlanTest {
  private static final List<GpuMetrics> METRICS = List.of(
      GpuMetrics.unknown(0).withUtilisation(95, 40),
      GpuMetrics.unknown(1).withUtilisation(91, 40),
      GpuMetrics.unknown(2).withUtilisation(3, 0),
      GpuMetrics.unknown(3).withUtilisation(99, 0).withSmActive(12),
      GpuMetrics.unknown(4));

  @Test
  void stopsAgentsBelowTheThresholdAndFreesTheirGpus() {
    ReallocationPlan plan = ReallocationPlan.analyse(
        Map.of(
            "trainer-1", List.of(0, 1),
            "eval-1", List.of(2),
            "busy-looking", List.of(3),
            "unknown", List.of(4),
            "idle-no-gpu", List.of()),
        METRICS,
        20);
    assertThat(plan.stop()).containsExactly("busy-looking", "eval-1");
    assertThat(plan.freedGpus()).containsExactly(2, 3);
    assertThat(plan.agents())
        .extracting(ReallocationPlan.Verdict::reason)
        .containsExactly(
            "utilisation 12.0 % is below 20 %",
            "utilisation 3.0 % is below 20 %",
            "holds no GPU",
            "utilisation 93.0 % is at or above 20 %",
            "no utilisation reading for GPUs [4]; kept");
  }

  @Test
  void aSharedGpuIsFreedOnlyWhenEveryHolderStops() {
    ReallocationPlan plan =
        ReallocationPlan.analyse(Map.of("a", List.of(2), "b", List.of(2, 0)), METRICS, 20);
    assertThat(plan.stop()).containsExactly("a");
    assertThat(plan.freedGpus()).isEmpty();
    assertThat(plan.toMap())
        .containsEntry("stop", List.of("a"))
        .containsEntry("freed_gpus", List.of());
  }

  @Test
  void thresholdMustBeAPercentage() {
    assertThatThrownBy(() -> ReallocationPlan.analyse(Map.of(), METRICS, 120))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Utilisation threshold must be between 0 and 100 %, got 120.0");
  }
}
