package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * A whole running team (the JVM that spawned it and every agent process, under the process and
 * the tmux runtime) is killed with SIGKILL; {@code team resume} then marks the agents dead, returns
 * their claimed tasks to pending, frees their GPUs and reports the orphaned plan; run again it
 * changes nothing. With {@code --policy restart} the agents run again.
 */
class TeamResumeIT {
  @TempDir
  Path dir;

  Path data;
  Path socket;
  final List<Long> restarted = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (long pid : restarted) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (socket != null) {
      new ProcessBuilder("tmux", "-S", socket.toString(), "kill-server")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"process", "tmux"})
  void aTeamKilledWithSigkillIsResumedAndASecondResumeChangesNothing(String runtime)
      throws Exception {
    data = dir.resolve("data");
    socket = dir.resolve("tmux.sock");
    Path log = dir.resolve("team.log");
    List<String> cmd = FakeAgents.javaCommand();
    cmd.add(ResumeTeamMain.class.getName());
    cmd.addAll(List.of(data.toString(), runtime, socket.toString()));
    Process team = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> Files.readString(log).contains("READY "));
    String teamId = Files.readString(log).replaceAll("(?s).*READY (\\S+).*", "$1");

    // kill -9 the whole team: every agent process (and what it started), then the JVM.
    List<AgentInfo> before;
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team t = ns.team(teamId)) {
      before = t.agents().list().items();
    }
    assertThat(before).hasSize(2).allMatch(a -> a.status() == AgentStatus.RUNNING);
    for (AgentInfo a : before) {
      ProcessHandle h = ProcessHandle.of(a.pid()).orElseThrow();
      h.descendants().forEach(ProcessHandle::destroyForcibly);
      h.destroyForcibly();
    }
    team.destroyForcibly();
    assertThat(team.waitFor(1, TimeUnit.MINUTES)).isTrue();
    for (AgentInfo a : before) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> ProcessHandle.of(a.pid()).map(p -> !p.isAlive()).orElse(true));
    }

    System.setProperty("nemospawn.tmux.socket", socket.toString());
    try {
      Cli cli = new Cli(data);
      Cli.Result first = cli.run("team", "resume", teamId, "--json");
      assertThat(first.code()).as(first.toString()).isZero();
      JsonNode r = first.json();
      assertThat(r.get("changed").asBoolean()).isTrue();
      List<String> changes = new ArrayList<>();
      r.get("changes")
          .forEach(c -> changes.add(c.get("area").asString() + " "
              + c.get("changed").asBoolean() + " " + c.get("what").asString()));
      assertThat(changes)
          .filteredOn(c -> c.startsWith("agent true"))
          .hasSize(2)
          .allMatch(c -> c.contains("process is gone") || c.contains("process exited"));
      assertThat(changes)
          .filteredOn(c -> c.startsWith("task true"))
          .hasSize(2)
          .allMatch(c -> c.endsWith("which is not running; pending again"));
      assertThat(changes)
          .contains("gpu true GPU 0 freed (was w0's)", "gpu true GPU 1 freed (was w1's)");
      assertThat(changes)
          .filteredOn(c -> c.startsWith("plan false 'tune lr' awaits review"))
          .hasSize(1);
      assertThat(r.get("alive")).isEmpty();

      try (NemoSpawn ns = NemoSpawn.open(data);
          Team t = ns.team(teamId)) {
        for (AgentInfo a : t.agents().list().items()) {
          assertThat(a.status()).isEqualTo(AgentStatus.STOPPED);
          assertThat(a.lifecycle()).isEqualTo(LifecycleState.DEAD);
        }
        List<Task> tasks = t.tasks().list().items();
        assertThat(tasks).hasSize(3).allMatch(x -> x.state() == TaskState.PENDING);
        assertThat(tasks).filteredOn(x -> x.title().startsWith("train")).allSatisfy(x -> {
          assertThat(x.owner()).isEmpty();
          assertThat(x.metadata()).containsKey("reassigned_from");
        });
      }
      assertThat(Files.readString(data.resolve("audit.jsonl"))).contains("\"team.resume\"");

      // Idempotent: nothing more to change.
      Cli.Result second = cli.run("team", "resume", teamId);
      assertThat(second.code()).isZero();
      assertThat(second.out())
          .contains("Team " + teamId + ": nothing to resume; running agents: none")
          .doesNotContain("Changed ");

      // The restart policy starts the agents that died, once.
      Cli.Result restart = cli.run("team", "resume", teamId, "--policy", "restart", "--json");
      assertThat(restart.code()).as(restart.toString()).isZero();
      assertThat(restart.json().get("alive").toString()).contains("w0", "w1");
      try (NemoSpawn ns = NemoSpawn.open(data);
          Team t = ns.team(teamId)) {
        for (AgentInfo a : t.agents().list().items()) {
          if (a.status() == AgentStatus.RUNNING) {
            restarted.add(a.pid());
          }
        }
        assertThat(restarted).hasSize(2);
      }
      Cli.Result again = cli.run("team", "resume", teamId, "--policy", "restart", "--json");
      assertThat(again.json().get("changed").asBoolean()).as(again.out()).isFalse();
    } finally {
      System.clearProperty("nemospawn.tmux.socket");
    }
  }
}
