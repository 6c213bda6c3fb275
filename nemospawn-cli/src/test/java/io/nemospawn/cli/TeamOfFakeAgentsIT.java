package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader and three workers, all fake agents in real processes (tmux, plain process, sandbox),
 * complete a task DAG through the real CLI: plans reviewed, tasks claimed and done with
 * val_loss, messages sent, shutdowns requested and approved (which stops the workers).
 */
class TeamOfFakeAgentsIT {
  @TempDir
  Path dir;

  @AfterEach
  void tearDown() throws Exception {
    new ProcessBuilder("tmux", "-S", dir.resolve("tmux.sock").toString(), "kill-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    System.clearProperty("nemospawn.tmux.socket");
  }

  @Test
  void leaderAndThreeWorkersCompleteADag() throws Exception {
    System.setProperty("nemospawn.tmux.socket", dir.resolve("tmux.sock").toString());
    // The real launcher and shaded jar when the build made them (verify packages before the
    // integration tests), else this JVM's class path.
    Path launcher = Path.of("..", "bin", "nemospawn").toAbsolutePath().normalize();
    Path jar = Path.of("target", "nemospawn.jar");
    List<String> cli = FakeAgents.javaCommand();
    cli.add(Main.class.getName());
    String cliText = Files.isExecutable(launcher) && Files.exists(jar)
        ? launcher.toString()
        : String.join(" ", cli);
    try (NemoSpawn ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open()) {
      Team team = ns.newTeam("dag").gpus(0, 1, 2, 3).create();
      Agent leader = team.spawn(AgentSpec.builder("leader")
          .role("leader")
          .runtime("process")
          .gpuCount(1)
          .task("Run the sweep: three trainings, then an evaluation.")
          .command(FakeAgents.command("--dag", "3"))
          .env(FakeAgents.CLI_ENV, cliText)
          .env(FakeAgents.DEADLINE_ENV, "240")
          .build());
      List<Agent> workers = new ArrayList<>();
      String[] runtimes = {"tmux", "process", "sandbox"};
      for (int i = 0; i < 3; i++) {
        workers.add(team.spawn(AgentSpec.builder("worker-" + (i + 1))
            .runtime(runtimes[i])
            .gpuCount(1)
            .task("Claim training tasks and report val_loss.")
            .command(FakeAgents.command("--plan", "--work-ms", "100"))
            .env(FakeAgents.CLI_ENV, cliText)
            .env(FakeAgents.DEADLINE_ENV, "240")
            .build()));
      }
      boolean finished = leader.awaitExit(Duration.ofSeconds(280));
      String logs = logs(leader, workers);
      assertThat(finished).as(logs).isTrue();
      assertThat(leader.exitCode()).as(logs).hasValue(0);

      List<Task> tasks = team.tasks().list().items();
      assertThat(tasks).hasSize(4).allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.DONE));
      assertThat(tasks)
          .filteredOn(t -> t.title().startsWith("train-"))
          .allSatisfy(t -> assertThat(t.valLoss()).isPresent());
      List<Plan> plans = team.plans().list().items();
      assertThat(plans)
          .hasSize(3)
          .allSatisfy(p -> assertThat(p.status()).isEqualTo(PlanStatus.APPROVED));
      for (Agent w : workers) {
        AgentInfo i = w.info();
        assertThat(i.status()).as(logs).isEqualTo(AgentStatus.STOPPED);
        assertThat(i.lifecycle()).isEqualTo(LifecycleState.DEAD);
        assertThat(i.lifecycleReason()).isEqualTo("shutdown approved: work merged");
        assertThat(w.isAlive()).isFalse();
        assertThat(Files.readString(w.logFile()))
            .contains("plan", "approved", "asked to shut down");
      }
      assertThat(team.inbox().history(leader.id()).items())
          .anySatisfy(m -> assertThat(m.body()).startsWith("done task-"));
      assertThat(team.agents().list().items())
          .allSatisfy(a -> assertThat(a.status()).isEqualTo(AgentStatus.STOPPED));
    }
  }

  private static String logs(Agent leader, List<Agent> workers) throws Exception {
    StringBuilder b = new StringBuilder();
    List<Agent> all = new ArrayList<>(workers);
    all.add(0, leader);
    for (Agent a : all) {
      b.append("--- ").append(a.id()).append('\n');
      if (Files.exists(a.logFile())) {
        b.append(Files.readString(a.logFile()));
      }
    }
    return b.toString();
  }
}
