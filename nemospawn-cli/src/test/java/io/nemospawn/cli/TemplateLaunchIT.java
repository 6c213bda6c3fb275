package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.nvidia.nim.NimDeployment;
import io.nemospawn.nvidia.nim.NimDeployments;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code launch run nim-deploy} and {@code launch run rlhf-swarm} complete on this machine with
 * the built-in demo agent, as {@code autoresearch} does in {@link LaunchIT}: real processes, real
 * HTTP serving and load, real (small) RLHF training; the effects are checked on disk.
 */
class TemplateLaunchIT {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path data;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static Map<String, Task> byKey(Team team) {
    return team.tasks().list().items().stream()
        .collect(Collectors.toMap(t -> String.valueOf(t.metadata().get("launch_key")), t -> t));
  }

  @Test
  void nimDeployBuildsDeploysBenchmarksRanksAndServes() throws Exception {
    Run r = run(
        "launch",
        "run",
        "nim-deploy",
        "--gpus",
        "0-2",
        "--agent-cmd",
        "demo",
        "--runtime",
        "process",
        "--timeout",
        "PT4M",
        "--json",
        "--data-dir",
        data.toString());
    assertThat(r.code()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isZero();
    JsonNode s = JSON.readTree(r.out());
    assertThat(s.path("succeeded").asBoolean()).isTrue();
    assertThat(s.path("tasks_done").asInt()).isEqualTo(7);
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team team = ns.team(s.path("team_id").asString())) {
      assertThat(team.tasks().list().items()).extracting(Task::state).containsOnly(TaskState.DONE);
      Map<String, Task> tasks = byKey(team);
      // Two real deployments, TP1 and TP2, recorded in nim/.
      List<NimDeployment> deps = new NimDeployments(team).list();
      assertThat(deps).extracting(NimDeployment::tpDegree).containsExactlyInAnyOrder(1, 2);
      assertThat(deps)
          .allMatch(
              d -> d.runtime().equals("local") && d.endpointUrl().startsWith("http://127.0.0.1:"));
      // The benchmarker measured both for real: a benchmark artifact each, with its file of
      // numbers.
      List<Artifact> benches = team.artifacts()
          .list(Artifacts.Query.all().withType(ArtifactType.BENCHMARK))
          .items();
      assertThat(benches).hasSize(2);
      for (Artifact b : benches) {
        assertThat(Path.of(b.path())).isRegularFile();
        JsonNode file = JSON.readTree(Files.readString(Path.of(b.path())));
        assertThat(file.path("levels")).hasSize(3);
        assertThat(file.path("levels").path(0).path("succeeded").asInt()).isEqualTo(24);
        assertThat(((Number) b.metrics().get("output_tokens_per_s")).doubleValue())
            .isPositive();
        // TTFT is at least the server's 10 ms first-token delay.
        assertThat(((Number) b.metrics().get("ttft_p50_ms")).doubleValue())
            .isGreaterThanOrEqualTo(10.0);
      }
      // TP2 is configured to decode faster than TP1 (6 vs 10 ms per token). The two medians come
      // from separate runs, so on a loaded machine either can be inflated and their order flip:
      // each is checked against the floor its own server's per-token sleep sets, and both printed.
      Artifact tp1 = benches.stream()
          .filter(b -> ((Number) b.metrics().get("tp")).intValue() == 1)
          .findFirst()
          .orElseThrow();
      Artifact tp2 = benches.stream()
          .filter(b -> ((Number) b.metrics().get("tp")).intValue() == 2)
          .findFirst()
          .orElseThrow();
      double itl1 = file(tp1).path("levels").path(0).path("itl_p50_ms").asDouble();
      double itl2 = file(tp2).path("levels").path(0).path("itl_p50_ms").asDouble();
      System.out.printf("ITL p50 at concurrency 1: TP1 %.3f ms, TP2 %.3f ms%n", itl1, itl2);
      assertThat(itl1).as("TP1's ITL p50 (10 ms per token)").isGreaterThanOrEqualTo(10.0);
      assertThat(itl2).as("TP2's ITL p50 (6 ms per token)").isGreaterThanOrEqualTo(6.0);
      // The ranker chose one, the server kept it and stopped the other.
      String winner = (String) tasks.get("rank").metadata().get("winner_endpoint");
      assertThat(deps).extracting(NimDeployment::endpointId).contains(winner);
      assertThat(tasks.get("serve").metadata()).containsEntry("served_endpoint", winner);
      NimDeployment loser =
          deps.stream().filter(d -> !d.endpointId().equals(winner)).findFirst().orElseThrow();
      assertThat(new NimDeployments(team).get(loser.endpointId()).status()).isEqualTo("stopped");
      assertThat(team.artifacts().promoted(ArtifactType.BENCHMARK).orElseThrow().metrics())
          .containsEntry("endpoint_id", winner);
      assertThat(team.artifacts()
              .list(Artifacts.Query.all().withType(ArtifactType.NIM_CONTAINER))
              .items())
          .singleElement()
          .satisfies(a -> assertThat(Path.of(a.path()).resolve("model.txt")).isRegularFile());
      assertThat(team.inbox().history("leader").items())
          .anyMatch(m -> m.body().startsWith("ranked by tokens/s per GPU"));
    }
  }

  private static JsonNode file(Artifact a) throws Exception {
    return JSON.readTree(Files.readString(Path.of(a.path())));
  }

  @Test
  void rlhfSwarmTrainsARewardModelAndImprovesThePolicyAgainstIt() throws Exception {
    Run r = run(
        "launch",
        "run",
        "rlhf-swarm",
        "--gpus",
        "0-5",
        "--agent-cmd",
        "demo",
        "--runtime",
        "process",
        "--timeout",
        "PT4M",
        "--json",
        "--data-dir",
        data.toString());
    assertThat(r.code()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isZero();
    JsonNode s = JSON.readTree(r.out());
    assertThat(s.path("succeeded").asBoolean()).isTrue();
    assertThat(s.path("tasks_done").asInt()).isEqualTo(6);
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team team = ns.team(s.path("team_id").asString())) {
      assertThat(team.tasks().list().items()).extracting(Task::state).containsOnly(TaskState.DONE);
      Map<String, Task> tasks = byKey(team);
      List<Artifact> signals = team.artifacts()
          .list(Artifacts.Query.all().withType(ArtifactType.REWARD_SIGNAL))
          .items();
      assertThat(signals).hasSize(2);
      Artifact rm = signals.stream()
          .filter(a -> a.tags().contains("reward-model"))
          .findFirst()
          .orElseThrow();
      // The reward model predicts held-out human choices well above chance.
      assertThat(((Number) rm.metrics().get("test_accuracy")).doubleValue()).isGreaterThan(0.7);
      assertThat(rm.valLoss()).isLessThan(Math.log(2));
      Artifact curve = signals.stream()
          .filter(a -> a.tags().contains("ppo-rewards"))
          .findFirst()
          .orElseThrow();
      assertThat(Files.readAllLines(Path.of(curve.path()))).hasSize(61);
      // PPO raised the learned reward and, because the reward model is good, the true one too.
      assertThat(((Number) curve.metrics().get("last_reward")).doubleValue())
          .isGreaterThan(((Number) curve.metrics().get("first_reward")).doubleValue());
      assertThat(((Number) curve.metrics().get("last_true_reward")).doubleValue())
          .isGreaterThan(((Number) curve.metrics().get("first_true_reward")).doubleValue());
      double win = ((Number) tasks.get("eval").metadata().get("win_rate")).doubleValue();
      assertThat(win).as("PPO's win rate over SFT by the true reward").isGreaterThan(0.6);
      String ppo = (String) tasks.get("ppo").metadata().get("checkpoint");
      assertThat(tasks.get("eval").metadata()).containsEntry("recommended_artifact", ppo);
      assertThat(team.artifacts()
              .promoted(ArtifactType.NEMO_CHECKPOINT)
              .orElseThrow()
              .id())
          .isEqualTo(ppo);
      assertThat(team.artifacts()
              .get((String) tasks.get("sft").metadata().get("checkpoint"))
              .tags())
          .contains("sft");
      assertThat(team.artifacts()
              .list(Artifacts.Query.all().withType(ArtifactType.DATASET))
              .items())
          .hasSize(2);
    }
  }
}
