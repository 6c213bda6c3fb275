package io.nemospawn.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.topology.GpuSnapshot;
import io.nemospawn.topology.GpuTopology;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probes as an application finds them: ServiceLoader, configured by system properties. */
class ServiceLoaderIT {
  @TempDir
  Path dir;

  @AfterEach
  void clear() {
    System.clearProperty("nemospawn.gpu.nvidia-smi");
    System.clearProperty("nemospawn.gpu.dcgmi");
    System.clearProperty("nemospawn.gpu.nvml-library");
  }

  private void noTools() {
    System.setProperty(
        "nemospawn.gpu.nvml-library", dir.resolve("none/libnvidia-ml.so.1").toString());
    System.setProperty(
        "nemospawn.gpu.nvidia-smi", dir.resolve("none/nvidia-smi").toString());
    System.setProperty("nemospawn.gpu.dcgmi", dir.resolve("none/dcgmi").toString());
  }

  @Test
  void withoutAnyToolTheTopologyIsEmptyAndTheWarningListsEveryProbe() {
    noTools();
    GpuTopology t = GpuTopology.detect();
    assertThat(t.isEmpty()).isTrue();
    assertThat(t.source()).isEqualTo("none");
    assertThat(t.warnings())
        .singleElement()
        .asString()
        .startsWith("Cannot discover GPUs: nvml: cannot load NVML library")
        .contains("; nvidia-smi: cannot run '" + dir.resolve("none/nvidia-smi"))
        .endsWith(". Continuing without GPUs.");
  }

  @Test
  void healthPrefersDcgmThenFallsBack() {
    noTools();
    System.setProperty(
        "nemospawn.gpu.nvidia-smi", Fixtures.fakeNvidiaSmi(dir, "ecc-dbe").toString());
    GpuSnapshot viaSmi = GpuSnapshot.take(InstantSource.system());
    assertThat(viaSmi.source()).isEqualTo("nvidia-smi");
    assertThat(viaSmi.warnings()).hasSize(2);
    assertThat(viaSmi.warnings().get(0)).startsWith("dcgm: cannot run '");

    System.setProperty("nemospawn.gpu.dcgmi", Fixtures.fakeDcgmi(dir, "ecc-dbe").toString());
    GpuSnapshot viaDcgm = GpuSnapshot.take(InstantSource.system());
    assertThat(viaDcgm.source()).isEqualTo("dcgm");
    assertThat(viaDcgm.warnings()).isEmpty();
    assertThat(viaDcgm.metrics().get(0).smActivePercent())
        .isEqualTo(70.2, org.assertj.core.data.Offset.offset(1e-9));
  }
}
