package io.nemospawn.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.spi.GpuProbe;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpuTopologyDetectTest {
  /** A probe that answers with fixed data, or fails with a reason. */
  private record StubProbe(String name, int priority, GpuTopology topology, String failure)
      implements GpuProbe {
    @Override
    public GpuTopology discover() {
      if (topology == null) {
        if (failure == null) {
          throw new UnsupportedOperationException("metrics only");
        }
        throw new IllegalStateException(failure);
      }
      return topology;
    }

    @Override
    public List<GpuMetrics> sample() {
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
      return List.of(GpuMetrics.unknown(0).withUtilisation(50, 10));
    }
  }

  @Test
  void triesProbesInPriorityOrderAndKeepsEarlierFailuresAsWarnings() {
    GpuTopology smi = GpuTopology.uniform(2).toBuilder().source("nvidia-smi").build();
    GpuTopology t = GpuTopology.detect(List.of(
        new StubProbe("nvidia-smi", 30, smi, null),
        new StubProbe("dcgm", 10, null, null),
        new StubProbe("nvml", 20, null, "cannot load NVML library 'libnvidia-ml.so.1'")));
    assertThat(t.source()).isEqualTo("nvidia-smi");
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.warnings())
        .containsExactly(
            "nvml: cannot load NVML library 'libnvidia-ml.so.1'; used nvidia-smi instead");
  }

  @Test
  void noProbeAnsweringGivesAnEmptyTopologyWithAWarning() {
    GpuTopology t = GpuTopology.detect(List.of(
        new StubProbe("nvml", 20, null, "no driver"),
        new StubProbe("nvidia-smi", 30, null, "cannot run 'nvidia-smi'")));
    assertThat(t.isEmpty()).isTrue();
    assertThat(t.source()).isEqualTo("none");
    assertThat(t.warnings())
        .containsExactly("Cannot discover GPUs: nvml: no driver; nvidia-smi:"
            + " cannot run 'nvidia-smi'. Continuing without GPUs.");
  }

  @Test
  void noProbeOnTheClassPathSaysWhichModuleToAdd() {
    // The api module's own test class path has no nemospawn-gpu.
    GpuTopology t = GpuTopology.detect();
    assertThat(t.isEmpty()).isTrue();
    assertThat(t.warnings())
        .containsExactly("No GpuProbe on the class path or module path; add"
            + " io.nemospawn:nemospawn-gpu to read GPUs. Continuing without GPUs.");
  }

  @Test
  void snapshotComesFromTheFirstProbeThatReadsMetricsInFormatShape() {
    InstantSource clock = InstantSource.fixed(Instant.parse("2026-11-21T19:01:51.212059Z"));
    GpuSnapshot s = GpuSnapshot.take(
        clock,
        List.of(
            new StubProbe("dcgm", 10, null, "dcgmi not found"),
            new StubProbe("nvml", 20, null, null)));
    assertThat(s.source()).isEqualTo("nvml");
    assertThat(s.warnings()).containsExactly("dcgm: dcgmi not found; used nvml instead");
    assertThat(s.fileName()).isEqualTo("dcgm_2026-11-21T19-01-51.212059+00-00.json");
    Map<String, Object> m = s.toFormatMap();
    assertThat(m).containsEntry("timestamp", "2026-11-21T19:01:51.212059+00:00");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("gpu_id", 0);
    expected.put("sm_util", 50.0);
    expected.put("mem_util", 10.0);
    expected.put("temp", null);
    expected.put("power", null);
    expected.put("ecc_sbe", null);
    expected.put("ecc_dbe", null);
    expected.put("gpu_util", 50.0);
    expected.put("sm_active", null);
    expected.put("power_limit", null);
    assertThat(m.get("gpu_metrics")).isEqualTo(List.of(expected));
  }
}
