package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import io.nemospawn.topology.GpuSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Team#snapshotGpus()}: the library, not the CLI, reads a team's GPU metrics and saves
 * {@code metrics/dcgm_<stamp>.json}, so every caller (CLI, board, exporter) shares one writer.
 */
class TeamGpuSnapshotTest {
  @TempDir
  Path dir;

  @BeforeEach
  void noGpuTools() {
    System.setProperty(
        "nemospawn.gpu.nvml-library", dir.resolve("none/libnvidia-ml.so.1").toString());
    System.setProperty(
        "nemospawn.gpu.nvidia-smi", dir.resolve("none/nvidia-smi").toString());
    System.setProperty("nemospawn.gpu.dcgmi", dir.resolve("none/dcgmi").toString());
  }

  @AfterEach
  void clear() {
    System.clearProperty("nemospawn.gpu.nvml-library");
    System.clearProperty("nemospawn.gpu.nvidia-smi");
    System.clearProperty("nemospawn.gpu.dcgmi");
  }

  @Test
  void snapshotIsSavedUnderTheTeamsMetricsInTheStateFormat() throws Exception {
    Instant at = Instant.parse("2026-12-03T12:00:01.123456Z");
    try (NemoSpawn ns = NemoSpawn.builder()
            .dataDir(dir.resolve("data"))
            .durability(Durability.NONE)
            .clock(InstantSource.fixed(at))
            .open();
        Team team = ns.newTeam("sweep").gpus(0, 1).create()) {
      GpuSnapshot s = team.snapshotGpus();

      assertThat(s.timestamp()).isEqualTo(at);
      assertThat(s.source()).isEqualTo("none");
      assertThat(s.warnings()).isNotEmpty();
      assertThat(s.fileName()).isEqualTo("dcgm_2026-12-03T12-00-01.123456+00-00.json");
      Path metrics = team.dir().resolve("metrics");
      List<Path> files;
      try (Stream<Path> l = Files.list(metrics)) {
        files = l.toList();
      }
      assertThat(files).containsExactly(metrics.resolve(s.fileName()));
      String text = Files.readString(files.get(0));
      assertThat(text).endsWith("}\n");
      Map<String, Object> saved = Json.toMap(Json.parseObject(Files.readAllBytes(files.get(0))));
      assertThat(saved)
          .containsEntry("timestamp", "2026-12-03T12:00:01.123456+00:00")
          .containsEntry("gpu_metrics", List.of())
          .containsEntry("source", "none");
      assertThat(saved).isEqualTo(s.toFormatMap());
    }
  }
}
