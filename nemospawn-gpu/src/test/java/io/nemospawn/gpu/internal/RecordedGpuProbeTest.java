package io.nemospawn.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.topology.GpuSnapshot;
import io.nemospawn.topology.GpuTopology;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recording replayed through the real parser, found by ServiceLoader before every probe. */
class RecordedGpuProbeTest {
  @TempDir
  Path dir;

  @AfterEach
  void clear() {
    System.clearProperty(RecordedGpuProbe.PROPERTY);
  }

  @Test
  void aRecordingIsWhatDetectSeesOnAnyMachine() {
    System.setProperty(
        RecordedGpuProbe.PROPERTY,
        Fixtures.path("a100-2x4", "query.csv").getParent().toString());
    GpuTopology t = GpuTopology.detect();
    assertThat(t.source()).isEqualTo("recorded");
    assertThat(t.indices()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(t.islands()).hasSize(2);
    assertThat(t.warnings()).isEmpty();
    GpuSnapshot s = GpuSnapshot.take(InstantSource.system());
    assertThat(s.source()).isEqualTo("recorded");
    assertThat(s.metrics()).hasSize(8);
  }

  @Test
  void withoutTheSettingItIsSkippedWithoutAWarning() {
    System.setProperty(
        RecordedGpuProbe.PROPERTY,
        Fixtures.path("pcie-4", "query.csv").getParent().toString());
    assertThat(GpuTopology.detect().source()).isEqualTo("recorded");
    System.clearProperty(RecordedGpuProbe.PROPERTY);
    GpuTopology t = GpuTopology.detect();
    assertThat(t.source()).isNotEqualTo("recorded");
    assertThat(String.join("\n", t.warnings())).doesNotContain("recorded");
  }

  @Test
  void aDirectoryWithoutQueryCsvIsNamedWithTheCommandToRecordOne() {
    System.setProperty(RecordedGpuProbe.PROPERTY, dir.toString());
    GpuTopology t = GpuTopology.detect();
    assertThat(String.join("\n", t.warnings()))
        .contains("recorded: Cannot replay recorded GPUs from '" + dir + "'")
        .contains("it has no query.csv; record one with: nvidia-smi --query-gpu=index,name,");
  }
}
