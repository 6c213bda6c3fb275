package io.nemospawn.gpu.internal.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.gpu.internal.FakeNvml;
import io.nemospawn.gpu.internal.Fixtures;
import io.nemospawn.gpu.internal.NvidiaSmiGpuProbe;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Link;
import io.nemospawn.topology.LinkKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exercises the real JNA binding against a stand-in libnvidia-ml.so.1 built with gcc from
 * fake_nvml.c (same function names, signatures and struct layouts as nvml.h).
 */
class NvmlGpuProbeIT {
  @TempDir
  static Path dir;

  static Path built;

  @BeforeAll
  static void build() {
    String reason = FakeNvml.unavailableReason();
    Assumptions.assumeTrue(reason == null, () -> "Skipping the NVML binding tests: " + reason);
    built = FakeNvml.build(dir);
  }

  private static NvmlGpuProbe probe(String shape) {
    return new NvmlGpuProbe(FakeNvml.install(built, dir, shape).toString());
  }

  @Test
  void readsH100NvSwitchFabricAsNv18AllToAll() {
    GpuTopology t = probe("h100-sxm-8").discover();
    assertThat(t.source()).isEqualTo("nvml");
    assertThat(t.size()).isEqualTo(8);
    assertThat(t.warnings()).isEmpty();
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3, 4, 5, 6, 7));
    assertThat(t.isFullyConnected(t.islands().get(0))).isTrue();
    assertThat(t.link(2, 5)).isEqualTo(Link.nvLink(18));
    var g = t.gpu(3);
    assertThat(g.name()).isEqualTo("NVIDIA H100 80GB HBM3");
    assertThat(g.uuid()).isEqualTo("GPU-5ec84d8d-bc74-2547-70f5-8904dba41ecc");
    assertThat(g.pciBusId()).isEqualTo("00000000:5D:00.0");
    assertThat(g.memoryTotalMb()).isEqualTo(81559);
    assertThat(g.memoryUsedMb()).isEqualTo(74213);
    assertThat(g.migEnabled()).isFalse();
    GpuMetrics m = t.metrics().get(3);
    assertThat(m.gpuUtilPercent()).isEqualTo(98);
    assertThat(m.memUtilPercent()).isEqualTo(43);
    assertThat(m.temperatureC()).isEqualTo(57);
    assertThat(m.powerW()).isEqualTo(648.91);
    assertThat(m.powerLimitW()).isEqualTo(700);
    assertThat(m.eccSbe()).isZero();
    assertThat(m.eccDbe()).isZero();
  }

  @Test
  void readsDgx1DirectLinksAndPcieLevels() {
    GpuTopology t = probe("dgx1-v100").discover();
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3, 4, 5, 6, 7));
    assertThat(t.isFullyConnected(t.islands().get(0))).isFalse();
    assertThat(t.toFormatMatrix()).isEqualTo(NvmlTestSupport.smiMatrix("dgx1-v100"));
    assertThat(t.link(0, 5).kind()).isEqualTo(LinkKind.SYS);
  }

  @Test
  void agreesWithNvidiaSmiOnTheSameMachine(@TempDir Path tools) {
    GpuTopology viaNvml = probe("h100-sxm-8").discover();
    GpuTopology viaSmi = new NvidiaSmiGpuProbe(
            Fixtures.fakeNvidiaSmi(tools, "h100-sxm-8").toString(), Duration.ofSeconds(30))
        .discover();
    assertThat(viaNvml.toFormatMap()).isEqualTo(viaSmi.toFormatMap());
    assertThat(viaNvml.metrics()).isEqualTo(viaSmi.metrics());
  }

  @Test
  void unsupportedValuesBecomeUnknown() {
    NvmlGpuProbe p = probe("na-fields");
    List<GpuMetrics> m = p.sample();
    assertThat(m).hasSize(2);
    assertThat(m.get(0).powerW()).isNaN();
    assertThat(m.get(0).eccDbe()).isEqualTo(-1);
    assertThat(m.get(0).gpuUtilPercent()).isEqualTo(17);
    assertThat(m.get(1).powerW()).isEqualTo(21.77);
    GpuTopology t = p.discover();
    assertThat(t.islands()).isEmpty();
    assertThat(t.link(0, 1).kind()).isEqualTo(LinkKind.PHB);
    assertThat(t.gpu(1).migEnabled()).isFalse();
  }

  @Test
  void loadsNothingUntilAskedAndSaysWhyItCannot() {
    Path missing = dir.resolve("absent/libnvidia-ml.so.1");
    NvmlGpuProbe p = new NvmlGpuProbe(missing.toString());
    assertThat(p.name()).isEqualTo("nvml");
    assertThatThrownBy(p::discover)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot load NVML library '" + missing + "' (")
        .hasMessageContaining("cannot open shared object file")
        .hasMessageEndingWith("); install the NVIDIA driver or set nemospawn.gpu.nvml-library"
            + " (NEMOSPAWN_NVML_LIBRARY)");
  }

  @Test
  void normalisesLegacyBusIds() {
    assertThat(NvmlGpuProbe.normaliseBusId("0000:5d:00.0")).isEqualTo("00000000:5D:00.0");
    assertThat(NvmlGpuProbe.normaliseBusId("00000000:5D:00.0")).isEqualTo("00000000:5D:00.0");
  }
}
