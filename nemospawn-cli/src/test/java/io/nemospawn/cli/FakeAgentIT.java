package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.Health;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fake agent under each runtime, and its "die" fault seen by the watch. */
class FakeAgentIT {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;

  @BeforeEach
  void setUp() {
    System.setProperty("nemospawn.tmux.socket", dir.resolve("tmux.sock").toString());
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    team = ns.newTeam("fake").gpus(0, 1, 2, 3).create();
  }

  @AfterEach
  void tearDown() throws Exception {
    ns.close();
    new ProcessBuilder("tmux", "-S", dir.resolve("tmux.sock").toString(), "kill-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    System.clearProperty("nemospawn.tmux.socket");
  }

  private static String log(Agent a) throws Exception {
    return Files.exists(a.logFile()) ? Files.readString(a.logFile()).replace("\r", "") : "";
  }

  @ParameterizedTest
  @ValueSource(strings = {"tmux", "process", "sandbox"})
  void fakeAgentPrintsTheEnvironmentItWasGiven(String runtime) throws Exception {
    Agent a = team.spawn(AgentSpec.builder("env-" + runtime)
        .runtime(runtime)
        .gpus(2, 0)
        .command(FakeAgents.command("--print-env"))
        .build());
    assertThat(a.awaitExit(Duration.ofSeconds(60))).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> log(a).contains("PROMPT_OK="));
    assertThat(log(a))
        .contains("NEMOSPAWN_TEAM=" + team.id() + "\n")
        .contains("NEMOSPAWN_AGENT=" + a.id() + "\n")
        .contains("NEMOSPAWN_DATA_DIR=" + ns.dataDir() + "\n")
        .contains("NEMOSPAWN_PROMPT=" + team.dir().resolve("prompts").resolve(a.id() + ".md"))
        .contains("CUDA_VISIBLE_DEVICES=0,2\n")
        .contains("PROMPT_OK=true");
    assertThat(a.exitCode()).hasValue(0);
  }

  @Test
  void anAgentThatDiesWithAClaimedTaskIsFoundByTheWatchAndItsTaskIsPendingAgain() throws Exception {
    Path launcher = Path.of("..", "bin", "nemospawn").toAbsolutePath().normalize();
    List<String> cli = FakeAgents.javaCommand();
    cli.add(Main.class.getName());
    String cliText = Files.isExecutable(launcher) && Files.exists(Path.of("target/nemospawn.jar"))
        ? launcher.toString()
        : String.join(" ", cli);
    Task t = team.tasks().create("train");
    Agent a = team.spawn(AgentSpec.builder("doomed")
        .runtime("process")
        .gpus(1)
        .command(FakeAgents.command())
        .env(FakeAgents.CLI_ENV, cliText)
        .env(FakeAgents.FAULTS_ENV, "die")
        .env(FakeAgents.DEADLINE_ENV, "60")
        .build());
    assertThat(a.awaitExit(Duration.ofSeconds(90))).as("%s", log(a)).isTrue();
    assertThat(log(a)).contains("claimed " + t.id(), "dying with task " + t.id());
    assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.RUNNING);
    HealthReport r = team.checkHealth(Duration.ofMinutes(10));
    Health h = r.agents().get(0);
    assertThat(h.state()).isEqualTo("dead");
    assertThat(h.reason()).isEqualTo("process exited with code 3");
    assertThat(h.requeued()).containsExactly(t.id());
    assertThat(r.unhealthy()).isEqualTo(1);
    assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.PENDING);
  }
}
