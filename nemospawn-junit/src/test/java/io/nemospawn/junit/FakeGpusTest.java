package io.nemospawn.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.Team;
import io.nemospawn.junit.internal.FakeGpuMachine;
import io.nemospawn.topology.GpuSnapshot;
import io.nemospawn.topology.GpuTopology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Recorded machines behind the real GPU probe boundary, seen through the normal API. */
@NemoSpawnTest
@FakeGpus(topology = "two-islands")
class FakeGpusTest {

  @Test
  void theTeamIsCreatedOnTheRecordedMachine(Team team, GpuTopology injected) {
    GpuTopology t = team.topology(); // as team.json records it
    assertThat(t.indices()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(t.islands()).containsExactly(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7));
    assertThat(team.info().gpuIds()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(injected.islands()).isEqualTo(t.islands());
    // Discovery anywhere in the test answers from the recording, through the probe SPI.
    assertThat(GpuTopology.detect().source()).isEqualTo("recorded");
    GpuSnapshot s = GpuSnapshot.take(InstantSource.system());
    assertThat(s.source()).isEqualTo("recorded");
    assertThat(s.metrics()).hasSize(8);
  }

  @Test
  void aSpawnedAgentIsPinnedInsideOneNvlinkIsland(Team team) throws Exception {
    Agent first = team.spawn(AgentSpec.builder("first")
        .runtime("process")
        .gpus(0)
        .command("sleep", "30")
        .build());
    // The lowest four free GPUs would be [1, 2, 3, 4], across the islands.
    Agent four = team.spawn(AgentSpec.builder("four")
        .runtime("process")
        .gpuCount(4)
        .command("sh", "-c", "echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES")
        .build());
    assertThat(four.info().gpuIds()).containsExactly(4, 5, 6, 7);
    assertThat(four.awaitExit(Duration.ofSeconds(30))).isTrue();
    assertThat(Files.readString(four.logFile(), StandardCharsets.UTF_8))
        .contains("CUDA_VISIBLE_DEVICES=4,5,6,7");
    first.stop(Duration.ofSeconds(5));
  }

  @Test
  @FakeGpus(topology = "dgx1")
  void aMethodsShapeWinsOverTheClasss(Team team) {
    assertThat(team.topology().gpus()).hasSize(8);
    assertThat(team.topology().gpus().get(0).name()).contains("V100");
  }

  @Test
  @FakeGpus(topology = "gpus/mybox")
  void aRecordingOfYourOwnComesFromTheClassPath(Team team) {
    assertThat(team.topology().indices()).containsExactly(0, 1, 2, 3);
    assertThat(team.topology().gpus().get(0).name()).isEqualTo("NVIDIA L40S");
    assertThat(System.getProperty(FakeGpuMachine.PROPERTY)).isNotBlank();
  }
}
