package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.cli.Cli.Result;
import io.nemospawn.cluster.slurm.Slurm;
import io.nemospawn.cluster.slurm.SlurmJob;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The {@code slurm} group (NemoSpawn 1.0's forms), {@code spawn agent --runtime slurm} and {@code
 * slurm hpo} against the real single-node SLURM of {@code scripts/ci/start-slurm.sh}; under CI a
 * missing SLURM fails, elsewhere these tests are skipped saying so.
 */
class SlurmCommandIT {
  @TempDir
  Path dir;

  Path data;
  final List<String> started = new ArrayList<>();

  @BeforeEach
  void requireSlurm() {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of("/tmp/ns-slurm.env"))) {
      p.load(r);
    } catch (IOException e) {
      // Checked below.
    }
    String why =
        System.getenv("NS_SLURM_PARTITION") == null && p.getProperty("NS_SLURM_PARTITION") == null
            ? "no NS_SLURM_PARTITION in the environment or /tmp/ns-slurm.env"
            : Slurm.local().unavailableReason().orElse(null);
    if (why != null) {
      String msg = "needs the real SLURM of scripts/ci/start-slurm.sh: " + why;
      if (System.getenv("CI") != null) {
        throw new AssertionError(msg + " (CI is set)");
      }
      Assumptions.assumeTrue(false, msg);
    }
    data = dir.resolve("data");
  }

  @AfterEach
  void cancelJobs() {
    for (String id : started) {
      try {
        Slurm.local().cancel(id, "KILL");
      } catch (RuntimeException gone) {
        // Finished already.
      }
    }
  }

  /** Runs the CLI; {@code --data-dir} for the commands on the data directory (not slurm's jobs). */
  Result cli(String... args) {
    boolean jobs = args[0].equals("slurm") && !args[1].equals("hpo");
    return jobs ? Cli.execute(args) : Cli.execute(data, args);
  }

  Result ok(String... args) {
    Result r = cli(args);
    assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
    return r;
  }

  JsonNode json(String... args) throws Exception {
    return CliRun.JSON.readTree(ok(args).out());
  }

  String awaitState(String id, String... states) {
    List<String> wanted = List.of(states);
    return await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> Slurm.local().status(id).get(0).state(), wanted::contains);
  }

  @Test
  void generateSubmitStatusCancelInTheFormsOf10() throws Exception {
    Path script = dir.resolve("job.sbatch");
    Result g = ok(
        "slurm",
        "generate",
        "nsjob",
        "--gpus",
        "1",
        "--nodes",
        "1",
        "--partition",
        "debug",
        "--time",
        "00:05:00",
        "-c",
        "sleep 300",
        "-o",
        script.toString());
    assertThat(g.out()).contains("Wrote SLURM script " + script);
    assertThat(Files.readString(script))
        .contains("#SBATCH --job-name=nsjob\n", "#SBATCH --gres=gpu:1\n", "'sleep' '300'\n");
    // The defaults of 1.0 and a GPU type, printed when there is no -o.
    assertThat(ok("slurm", "generate", "other", "--gpu-type", "h100").out())
        .contains(
            "#SBATCH --time=24:00:00\n", "#SBATCH --gres=gpu:h100:1\n", "#SBATCH --nodes=1\n");
    Result s = ok("slurm", "submit", script.toString());
    assertThat(s.out()).startsWith("Submitted SLURM job ");
    String id = s.out().split(" ")[3];
    started.add(id);
    awaitState(id, "RUNNING");
    assertThat(ok("slurm", "status", id).out()).contains("nsjob", "RUNNING");
    JsonNode st = json("slurm", "status", id, "--json");
    assertThat(st.get("job_id").asString()).isEqualTo(id);
    assertThat(st.get("state").asString()).isEqualTo("RUNNING");
    assertThat(ok("slurm", "cancel", id).out())
        .isEqualTo("Cancelled SLURM job " + id + " (it was RUNNING)\n");
    awaitState(id, "CANCELLED");
    JsonNode done = json("slurm", "status", id, "--json");
    assertThat(done.get("source").asString()).isEqualTo("sacct");
    assertThat(done.get("nodes").asString()).isNotEmpty();
    // --json forms of submit and cancel.
    String id2 =
        json("slurm", "submit", script.toString(), "--json").get("job_id").asString();
    started.add(id2);
    assertThat(json("slurm", "cancel", id2, "--json").get("cancelled").asBoolean())
        .isTrue();
  }

  @Test
  void badInputIsAClearErrorAndRunsNothing() throws Exception {
    Result r = cli("slurm", "status", "42;touch " + dir.resolve("p"));
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("SLURM job ID '42;touch ");
    r = cli("slurm", "status", "987654");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("Unknown SLURM job ID '987654'");
    r = cli("slurm", "generate", "$(touch " + dir.resolve("p") + ")");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("SLURM job name '$(touch");
    r = cli("slurm", "submit", dir.resolve("missing.sbatch").toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("missing.sbatch is not a readable file");
    // A hostile command runs as words: nothing but printf runs.
    Path script = dir.resolve("h.sbatch");
    ok(
        "slurm",
        "generate",
        "hostile",
        "--gpus",
        "0",
        "--time",
        "00:05:00",
        "-c",
        "printf %s \"$(touch " + dir.resolve("p") + ")\" ';' id",
        "-o",
        script.toString());
    String id = ok("slurm", "submit", script.toString()).out().split(" ")[3].strip();
    started.add(id);
    awaitState(id, "COMPLETED");
    assertThat(Files.readString(dir.resolve("nemospawn-" + id + ".out")))
        .contains("$(touch " + dir.resolve("p") + ");id");
    assertThat(dir.resolve("p")).doesNotExist();
  }

  @Test
  void anAgentOnTheSlurmRuntimeFinishesATaskThroughTheCli() throws Exception {
    Path launcher = Path.of("..", "bin", "nemospawn").toAbsolutePath().normalize();
    List<String> cli = FakeAgents.javaCommand();
    cli.add(Main.class.getName());
    String cliText = Files.isExecutable(launcher) && Files.exists(Path.of("target/nemospawn.jar"))
        ? launcher.toString()
        : String.join(" ", cli);
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open()) {
      Team team = ns.newTeam("slurm-team").gpus(0, 1).create();
      Task t = team.tasks().create("train");
      Agent a = team.spawn(AgentSpec.builder("w1")
          .runtime("slurm")
          .gpuCount(1)
          .task("Claim the training task and report val_loss.")
          .command(FakeAgents.command("--work-ms", "100"))
          .env(FakeAgents.CLI_ENV, cliText)
          .env(FakeAgents.DEADLINE_ENV, "150")
          .env("NEMOSPAWN_SLURM_TIME", "00:10:00")
          .build());
      String id = Long.toString(a.info().pid());
      started.add(id);
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> team.tasks().get(t.id()).state() == TaskState.DONE);
      Task done = team.tasks().get(t.id());
      assertThat(done.owner()).isEqualTo(a.id());
      assertThat(done.valLoss()).isPresent();
      assertThat(Files.readString(a.logFile())).contains("claimed " + t.id());
      assertThat(a.isAlive()).isTrue();
      assertThat(Slurm.local().status(id).get(0).state()).isEqualTo("RUNNING");
      // Kill through the CLI: scancel, the record stopped, the job cancelled.
      ok("spawn", "kill", "--team", team.id(), "--agent", "w1");
      awaitState(id, "CANCELLED", "COMPLETED");
      assertThat(a.isAlive()).isFalse();
    }
  }

  @Test
  void spawnAgentRuntimeSlurmFromTheCli() throws Exception {
    String team = ok("team", "create", "st", "--json").out();
    String teamId = CliRun.JSON.readTree(team).get("team_id").asString();
    ok(
        "spawn",
        "agent",
        "--team",
        teamId,
        "--agent-name",
        "s1",
        "--runtime",
        "slurm",
        "--agent-cmd",
        "sleep",
        "--env",
        "NEMOSPAWN_SLURM_TIME=00:05:00",
        "--",
        "120");
    JsonNode list = json("spawn", "list", "--team", teamId, "--json");
    JsonNode s1 = list.isArray() ? list.get(0) : list.get("agents").get(0);
    String job = Long.toString(s1.get("pid").asLong());
    started.add(job);
    assertThat(Slurm.local().status(job).get(0).name()).contains("s1");
    ok("spawn", "kill", "--team", teamId, "--agent", "s1");
    awaitState(job, "CANCELLED", "COMPLETED");
  }

  @Test
  void launchRunPutsEveryAgentOfATemplateOnTheSlurmRuntime() throws Exception {
    JsonNode plan = json(
        "launch",
        "run",
        "autoresearch",
        "--agent-cmd",
        "demo",
        "--runtime",
        "slurm",
        "--dry-run",
        "--json");
    assertThat(plan.get("agents")).isNotEmpty();
    plan.get("agents")
        .forEach(a -> assertThat(a.get("runtime").asString()).as(a.toString()).isEqualTo("slurm"));
  }

  @Test
  void launchRunPutsAWholeTeamOnSlurmAndItFinishesItsTasks() throws Exception {
    // Two agents (the leader and one worker), each a SLURM job on the 2-CPU node; the fake
    // agents play the protocol through the real CLI, named by NEMOSPAWN_CLI in a small wrapper.
    Path template = dir.resolve("pair.toml");
    Files.writeString(template, """
        name = "slurm-pair"
        description = "A worker trains on a GPU from SLURM; the leader reviews"
        min_gpus = 1

        [[workers]]
        name = "trainer"
        role = "trainer"
        gpu_count = 1
        task = "Train the model and report val_loss."
        """);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Assumptions.assumeFalse(
        cp.contains(" ") || cp.contains("'"), "the class path contains a blank or a quote: " + cp);
    Path script = dir.resolve("fake-agent.sh");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "export NEMOSPAWN_CLI='" + java + " -XX:TieredStopAtLevel=1 -Xshare:auto -cp " + cp
            + " " + Main.class.getName() + "'\n"
            + "exec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '" + cp + "' "
            + "io.nemospawn.junit.internal.FakeAgent \"$@\"\n");
    assertThat(script.toFile().setExecutable(true)).isTrue();
    // The team's GPUs are 6 and 7; SLURM's node has 0 and 1.
    Result r = cli(
        "launch",
        "run",
        template.toString(),
        "--gpus",
        "6-7",
        "--runtime",
        "slurm",
        "--agent-cmd",
        script + " --pause 1 --work-ms 50",
        "--timeout",
        "PT6M",
        "--json");
    JsonNode s = CliRun.JSON.readTree(r.out().isBlank() ? "{}" : r.out());
    String teamId = s.path("team_id").asString();
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team team = ns.team(teamId)) {
      List<io.nemospawn.agent.AgentInfo> agents = team.agents().list().items();
      agents.forEach(a -> started.add(Long.toString(a.pid())));
      assertThat(r.code()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isZero();
      assertThat(s.path("succeeded").asBoolean()).isTrue();
      assertThat(s.path("tasks_total").asInt()).isEqualTo(2);
      assertThat(s.path("tasks_done").asInt()).isEqualTo(2);
      assertThat(team.tasks().list().items()).extracting(Task::state).containsOnly(TaskState.DONE);
      assertThat(team.tasks().list().items()).allMatch(Task::hasOwner);
      // Every agent was a SLURM job of its own, known to SLURM's accounting by its name.
      assertThat(agents)
          .extracting(io.nemospawn.agent.AgentInfo::name)
          .containsExactlyInAnyOrder("leader", "trainer");
      java.util.Set<Long> jobs = new java.util.HashSet<>();
      for (var a : agents) {
        assertThat(team.agent(a.id()).runtime()).isEqualTo("slurm");
        assertThat(a.tmuxSession()).isEqualTo("slurm-" + a.pid());
        SlurmJob job = Slurm.local().status(Long.toString(a.pid())).get(0);
        assertThat(job.name()).isEqualTo("ns-" + teamId + "-" + a.name());
        jobs.add(a.pid());
      }
      assertThat(jobs).hasSize(2);
      // The worker's GPU is the one SLURM gave its job, in the library and the listings.
      var trainer =
          agents.stream().filter(a -> a.name().equals("trainer")).findFirst().get();
      String chosen = io.nemospawn.cluster.slurm.SlurmRuntime.allocation(
              team.agent(trainer.id()).logFile())
          .get("cuda_visible_devices");
      assertThat(chosen).matches("[01]");
      assertThat(trainer.gpuIds()).containsExactly(Integer.parseInt(chosen));
      assertThat(Files.readString(team.agent(trainer.id()).logFile()))
          .contains("on GPUs [" + chosen + "]");
      JsonNode list = json("spawn", "list", "--team", teamId, "--json");
      JsonNode row = null;
      for (JsonNode n : list) {
        if (n.get("name").asString().equals("trainer")) {
          row = n;
        }
      }
      assertThat(row).as(list.toString()).isNotNull();
      assertThat(row.get("gpu_ids").toString()).isEqualTo("[" + chosen + "]");
      assertThat(row.get("runtime").asString()).isEqualTo("slurm");
      assertThat(ok("agent", "list", "--team", teamId).out())
          .containsPattern("trainer\\s+trainer\\s+" + chosen + "\\s+stopped");
    }
  }

  @Test
  void eightTrialsOfAStudyAsAnArrayThroughTheCli() throws Exception {
    Path hpo = dir.resolve("space.toml");
    Files.writeString(hpo, """
        [search_space]
        x = { type = "uniform", low = 0.0, high = 1.0 }
        [objective]
        metric = "val_loss"
        direction = "minimize"
        [budget]
        max_trials = 8
        """);
    ok("hpo", "init", "--study", "sweep", "--hpo-file", hpo.toString());
    Path user = dir.resolve("objective.sh");
    Files.writeString(user, """
        #!/bin/bash
        for s in 1 2 3 4; do
          awk -v x="$NEMOSPAWN_PARAM_X" -v s="$s" \
            'BEGIN { printf "nemospawn-hpo step=%d value=%.6f\\n", s, (x-0.5)^2 + 1/s }'
          sleep 0.2
        done
        """);
    user.toFile().setExecutable(true);
    JsonNode sub = json(
        "slurm",
        "hpo",
        "--study",
        "sweep",
        "--trials",
        "8",
        "--parallel",
        "2",
        "--gpus",
        "0",
        "--time",
        "00:15:00",
        "--json",
        "--",
        user.toString());
    String id = sub.get("job_id").asString();
    started.add(id);
    assertThat(sub.get("array").asString()).isEqualTo("0-7%2");
    await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(2)).until(() -> {
      List<SlurmJob> j = Slurm.local().find(id);
      return j.size() == 8 && j.stream().noneMatch(SlurmJob::active);
    });
    assertThat(Slurm.local().status(id)).allMatch(j -> j.state().equals("COMPLETED"));
    try (Study s = Hpo.open(data, "sweep")) {
      List<FrozenTrial> trials = s.trials();
      assertThat(trials).hasSize(8);
      assertThat(trials)
          .allMatch(t -> t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED);
    }
    JsonNode listed = json("hpo", "trials", "--study", "sweep", "--json");
    assertThat(listed.toString()).contains("\"trial\":7");
  }
}
