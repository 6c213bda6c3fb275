package io.nemospawn.cluster.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.spi.AgentRuntime.Launched;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link SlurmRuntime#allocatedGpus} makes of the allocation files a job writes (the
 * contents SLURM's {@code CUDA_VISIBLE_DEVICES} can have); SlurmIT checks the real ones.
 */
class SlurmAllocationTest {
  @TempDir
  Path dir;

  final SlurmRuntime runtime = new SlurmRuntime();

  private Launched job(long id) {
    return new Launched(
        "slurm",
        id,
        SlurmRuntime.NOT_A_PROCESS,
        "slurm-" + id,
        "",
        dir.resolve("w1-abcd1234.log"),
        dir.resolve("w1-abcd1234.exit"));
  }

  private void written(String text) throws Exception {
    Files.writeString(dir.resolve("w1-abcd1234.slurm"), text);
  }

  @Test
  void theJobsIndicesAreTheAgentsGpus() throws Exception {
    written("job_id=41\nnode=n1\ncuda_visible_devices=1\n");
    assertThat(runtime.allocatedGpus(job(41))).contains(List.of(1));
    written("job_id=42\nnode=n1\ncuda_visible_devices=0,1\n");
    assertThat(runtime.allocatedGpus(job(42))).contains(List.of(0, 1));
  }

  @Test
  void nothingIsTakenBeforeTheJobWroteOrFromAnotherJobOrWithoutIndices() throws Exception {
    // Not started yet.
    assertThat(runtime.allocatedGpus(job(41))).isEmpty();
    // A file left by an earlier job of an agent of the same name.
    written("job_id=40\nnode=n1\ncuda_visible_devices=0\n");
    assertThat(runtime.allocatedGpus(job(41))).isEmpty();
    // No GPUs, SLURM's placeholder, UUIDs, or something hostile: the record keeps its lease.
    for (String devices : List.of("", "NoDevFiles", "GPU-5d7c1c3a-7f0e", "0;id", "0,$(id)")) {
      written("job_id=41\nnode=n1\ncuda_visible_devices=" + devices + "\n");
      assertThat(runtime.allocatedGpus(job(41))).as(devices).isEmpty();
    }
  }
}
