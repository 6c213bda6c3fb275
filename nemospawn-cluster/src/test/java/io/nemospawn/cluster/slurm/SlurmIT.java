package io.nemospawn.cluster.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.Health;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.cluster.slurm.internal.Shell;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against the real single-node SLURM (partition debug, 2 fake GPUs, accounting on). */
class SlurmIT {
  @TempDir
  Path dir;

  final Slurm slurm = Slurm.local();
  final List<String> started = new ArrayList<>();
  String partition;

  @BeforeEach
  void setUp() {
    partition = SlurmEnv.require();
  }

  @AfterEach
  void cancelJobs() {
    for (String id : started) {
      try {
        slurm.cancel(id, "KILL");
      } catch (RuntimeException gone) {
        // Finished already.
      }
    }
  }

  private String submit(SlurmScript script) throws Exception {
    Path f = dir.resolve(script.jobName() + ".sbatch");
    Files.writeString(f, script.render());
    String id = slurm.submit(f);
    started.add(id);
    return id;
  }

  private SlurmJob awaitState(String id, String... states) {
    List<String> wanted = List.of(states);
    return await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> slurm.status(id).get(0), j -> wanted.contains(j.state()));
  }

  @Test
  void generateSubmitStatusCancel() throws Exception {
    String id = submit(SlurmScript.builder("ns-it-sleep")
        .gpus(1)
        .partition(partition)
        .time("00:10:00")
        .command(List.of("sleep", "600"))
        .build());
    SlurmJob running = awaitState(id, "RUNNING");
    assertThat(running.name()).isEqualTo("ns-it-sleep");
    assertThat(running.nodes()).isNotEmpty();
    assertThat(running.source()).isEqualTo("squeue");
    Path out = dir.resolve("nemospawn-" + id + ".out");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> Files.exists(out) && Files.readString(out).contains("NemoSpawn SLURM job " + id));
    assertThat(Files.readString(out)).containsPattern("CUDA_VISIBLE_DEVICES=[01]\n");
    slurm.cancel(id);
    SlurmJob done = awaitState(id, "CANCELLED");
    assertThat(done.source()).isEqualTo("sacct");
    assertThat(done.killedBySlurm()).isTrue();
    assertThat(done.active()).isFalse();
  }

  @Test
  void hostileCommandWordsAndValuesRunNothing() throws Exception {
    Path work = Files.createDirectories(dir.resolve("w d"));
    String line = "printf '%s|' \"$(touch " + work.resolve("p1") + ")\" ';' 'touch "
        + work.resolve("p2") + "' '`touch " + work.resolve("p3") + "`' \"it's\" 'a\nb'";
    String id = submit(SlurmScript.builder("ns-it-hostile")
        .gpus(0)
        .partition(partition)
        .time("00:05:00")
        .workDir(work)
        .env("NEMOSPAWN_X", "$(touch " + work.resolve("p4") + ")'\"")
        .output(dir + "/hostile-%j.out")
        .command(Shell.words(line))
        .build());
    awaitState(id, "COMPLETED");
    String out = Files.readString(dir.resolve("hostile-" + id + ".out"));
    assertThat(out)
        .contains("$(touch " + work.resolve("p1") + ")|;|touch " + work.resolve("p2") + "|`touch "
            + work.resolve("p3") + "`|it's|a\nb|");
    try (var files = Files.list(work)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void unknownJobIdsAndBadScriptsAreClearErrors() {
    assertThatThrownBy(() -> slurm.status("987654"))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("Unknown SLURM job ID '987654'");
    assertThatThrownBy(() -> slurm.cancel("987654")).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> slurm.status("1;id")).hasMessageContaining("'1;id'");
    assertThatThrownBy(() -> slurm.submit(dir.resolve("none.sbatch")))
        .hasMessageContaining("none.sbatch is not a readable file");
    assertThatThrownBy(
            () -> Slurm.withEnvironment(Map.of("PATH", dir.toString())).status("1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sbatch is not on PATH");
  }

  private NemoSpawn open() {
    return NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
  }

  @Test
  void anAgentOnTheSlurmRuntimeGetsItsGpusFromTheAllocation() throws Exception {
    try (NemoSpawn ns = open()) {
      Team team = ns.newTeam("slurm").gpus(0, 1).create();
      Agent a = team.spawn(AgentSpec.builder("env")
          .runtime("slurm")
          .gpus(1)
          .command(FakeAgents.command("--print-env"))
          .env("NEMOSPAWN_SLURM_PARTITION", partition)
          .env("NEMOSPAWN_SLURM_TIME", "00:10:00")
          .build());
      started.add(Long.toString(a.info().pid()));
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> !a.isAlive());
      Map<String, String> alloc = SlurmRuntime.allocation(a.logFile());
      assertThat(alloc).containsEntry("job_id", Long.toString(a.info().pid()));
      assertThat(alloc.get("cuda_visible_devices")).matches("[01]");
      String log = Files.readString(a.logFile());
      assertThat(log)
          .contains("NEMOSPAWN_TEAM=" + team.id() + "\n")
          .contains("NEMOSPAWN_AGENT=" + a.id() + "\n")
          .contains("CUDA_VISIBLE_DEVICES=" + alloc.get("cuda_visible_devices") + "\n")
          .contains("PROMPT_OK=true");
      assertThat(a.exitCode()).hasValue(0);
      // The environment file (which would hold the team key with auth on) is gone.
      try (var files = Files.list(a.logFile().getParent())) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .noneMatch(n -> n.endsWith(".slurm-env"));
      }
    }
  }

  @Test
  void theRecordShowsTheGpuSlurmChoseWhileTheJobRuns() throws Exception {
    try (NemoSpawn ns = open()) {
      // The team leases GPU 5; SLURM's node has only 0 and 1, so what the record shows once the
      // job runs can only come from SLURM's allocation.
      Team team = ns.newTeam("slurm-gpus").gpus(5).create();
      Agent a = team.spawn(AgentSpec.builder("one")
          .runtime("slurm")
          .gpuCount(1)
          .command(List.of("sleep", "600"))
          .env("NEMOSPAWN_SLURM_PARTITION", partition)
          .env("NEMOSPAWN_SLURM_TIME", "00:10:00")
          .build());
      String id = Long.toString(a.info().pid());
      started.add(id);
      assertThat(a.info().gpuIds()).containsExactly(5);
      awaitState(id, "RUNNING");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> SlurmRuntime.allocation(a.logFile()).containsKey("cuda_visible_devices"));
      String chosen = SlurmRuntime.allocation(a.logFile()).get("cuda_visible_devices");
      assertThat(chosen).matches("[01]");
      // A listing reconciles the record with the job: gpu_ids are SLURM's, the lease is kept.
      assertThat(team.agents().get(a.id()).gpuIds()).containsExactly(Integer.parseInt(chosen));
      assertThat(a.isAlive()).isTrue();
      Path record = team.dir().resolve("agents").resolve(a.id() + ".json");
      assertThat(Files.readString(record))
          .containsPattern("\"gpu_ids_leased\"\\s*:\\s*\\[\\s*5\\s*\\]")
          .containsPattern("\"gpus_from\"\\s*:\\s*\"slurm\"");
      a.stop(Duration.ofSeconds(10));
      // Stopped, it keeps the GPUs it had, and no longer leases the team's GPU 5.
      assertThat(team.agents().get(a.id()).gpuIds()).containsExactly(Integer.parseInt(chosen));
    }
  }

  @Test
  void twoGpusFromSlurmAreBothRecordedEvenWhenTheJobEndedBeforeAnyoneLooked() throws Exception {
    try (NemoSpawn ns = open()) {
      Team team = ns.newTeam("slurm-two").gpus(6, 7).create();
      Agent a = team.spawn(AgentSpec.builder("pair")
          .runtime("slurm")
          .gpuCount(2)
          .command(FakeAgents.command("--print-env"))
          .env("NEMOSPAWN_SLURM_PARTITION", partition)
          .env("NEMOSPAWN_SLURM_TIME", "00:10:00")
          .build());
      String id = Long.toString(a.info().pid());
      started.add(id);
      awaitState(id, "COMPLETED");
      assertThat(SlurmRuntime.allocation(a.logFile())).containsEntry("cuda_visible_devices", "0,1");
      assertThat(Files.readString(a.logFile())).contains("CUDA_VISIBLE_DEVICES=0,1\n");
      var info = team.agents().get(a.id());
      assertThat(info.gpuIds()).containsExactly(0, 1);
      assertThat(info.status()).isEqualTo(io.nemospawn.agent.AgentStatus.STOPPED);
      assertThat(a.exitCode()).hasValue(0);
    }
  }

  @Test
  void aJobSlurmCancelsIsADeadAgentAndItsTaskIsReleased() throws Exception {
    try (NemoSpawn ns = open()) {
      Team team = ns.newTeam("slurm-kill").create();
      Task t = team.tasks().create("train");
      Agent a = team.spawn(AgentSpec.builder("doomed")
          .runtime("slurm")
          .command(List.of("sleep", "600"))
          .env("NEMOSPAWN_SLURM_PARTITION", partition)
          .env("NEMOSPAWN_SLURM_TIME", "00:10:00")
          .build());
      String id = Long.toString(a.info().pid());
      started.add(id);
      team.tasks().claim(t.id(), a.id(), Duration.ofHours(1));
      awaitState(id, "RUNNING");
      assertThat(a.isAlive()).isTrue();
      // SLURM, not us, ends it.
      new ProcessBuilder("scancel", id).inheritIO().start().waitFor();
      awaitState(id, "CANCELLED");
      HealthReport r = team.checkHealth(Duration.ofMinutes(10));
      Health h = r.agents().get(0);
      assertThat(h.state()).isEqualTo("dead");
      assertThat(h.reason()).contains("process is gone");
      assertThat(h.requeued()).containsExactly(t.id());
      assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.PENDING);
    }
  }

  @Test
  void eightTrialsRunAsAnArraySharingOneStudy() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    HpoConfig config = HpoConfig.parse("""
        [search_space]
        x = { type = "uniform", low = 0.0, high = 1.0 }
        [objective]
        metric = "val_loss"
        direction = "minimize"
        [budget]
        max_trials = 8
        """, "test");
    Hpo.create(data, "arr", config).close();
    Path user = dir.resolve("objective.sh");
    Files.writeString(user, """
        #!/bin/bash
        for s in 1 2 3 4 5; do
          awk -v x="$NEMOSPAWN_PARAM_X" -v s="$s" \
            'BEGIN { printf "nemospawn-hpo step=%d value=%.6f\\n", s, (x-0.3)^2 + 1/s }'
          sleep 0.3
        done
        echo "trial $NEMOSPAWN_HPO_TRIAL params $NEMOSPAWN_HPO_PARAMS"
        """);
    user.toFile().setExecutable(true);
    List<String> cli = new ArrayList<>(FakeAgents.javaCommand());
    cli.add(TrialTaskMain.class.getName());
    SlurmScript script = SlurmStudyArrays.script(
        SlurmScript.builder("ns-it-array")
            .gpus(0)
            .partition(partition)
            .time("00:15:00")
            .output(dir + "/array-%A_%a.out"),
        "arr",
        data,
        8,
        2,
        cli,
        List.of(user.toString()));
    String id = submit(script);
    await()
        .atMost(Duration.ofMinutes(6))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> slurm.find(id).stream().noneMatch(SlurmJob::active)
            && slurm.find(id).size() == 8);
    List<SlurmJob> tasks = slurm.status(id);
    assertThat(tasks).hasSize(8).allMatch(j -> j.state().equals("COMPLETED"), "completed");
    try (Study s = Hpo.open(data, "arr")) {
      List<FrozenTrial> trials = s.trials();
      assertThat(trials).hasSize(8);
      assertThat(trials.stream().map(FrozenTrial::number))
          .containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
      assertThat(trials)
          .allMatch(t -> t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED)
          .allMatch(t -> t.params().containsKey("x"));
      for (FrozenTrial t : trials) {
        if (t.state() == TrialState.COMPLETE) {
          assertThat(t.lastStep()).hasValue(5);
        } else {
          assertThat(t.lastStep().getAsInt()).isLessThan(5);
        }
      }
      assertThat(s.bestTrial().state()).isEqualTo(TrialState.COMPLETE);
    }
  }
}
