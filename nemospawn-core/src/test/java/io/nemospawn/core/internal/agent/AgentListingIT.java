package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.spi.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reading a team's agents shows their processes' truth without a watch pass. */
class AgentListingIT {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;

  @BeforeEach
  void setUp() {
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    team = ns.newTeam("truth").gpus(0, 1).create();
  }

  @AfterEach
  void tearDown() {
    ns.close();
  }

  /** Spawns an agent that exits at once with code 3, and waits for its process to be gone. */
  private Agent quitter() {
    Agent a = team.spawn(AgentSpec.builder("quitter")
        .runtime("process")
        .gpus(1)
        .detached(true)
        .command("/bin/sh", "-c", "exit 3")
        .build());
    long pid = a.info().pid(); // the record as written, no reconcile
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    return a;
  }

  @Test
  void anAgentWhoseProcessEndedListsAsStoppedAndDeadWithItsGpusFree() throws Exception {
    Agent a = quitter();

    // Another handle, as a CLI call or another JVM would open it.
    try (NemoSpawn other = NemoSpawn.builder().dataDir(dir.resolve("data")).open()) {
      Team t = other.team(team.id());
      List<AgentInfo> listed = t.agents().list().items();

      assertThat(listed).hasSize(1);
      AgentInfo i = listed.get(0);
      assertThat(i.status()).isEqualTo(AgentStatus.STOPPED);
      assertThat(i.lifecycle()).isEqualTo(LifecycleState.DEAD);
      assertThat(i.lifecycleReason()).isEqualTo("process exited with code 3");
      assertThat(((FileTeam) t).supervisor().records().leases()).isEmpty();
      JsonNode file = JsonMapper.shared()
          .readTree(t.dir().resolve("agents").resolve(a.id() + ".json").toFile());
      assertThat(file.get("status").asString()).isEqualTo("stopped");
      assertThat(file.get("lifecycle").get("state").asString()).isEqualTo("dead");
      assertThat(file.get("exit_code").asInt()).isEqualTo(3);
    }
  }

  @Test
  void getFindAndTeamStatusShowTheTruthToo() {
    Agent a = quitter();

    try (NemoSpawn other = NemoSpawn.builder().dataDir(dir.resolve("data")).open()) {
      Team t = other.team(team.id());
      assertThat(t.status().agents()).containsEntry(LifecycleState.DEAD, 1);
      assertThat(t.status().agents()).containsEntry(LifecycleState.RUNNING, 0);
    }
    try (NemoSpawn other = NemoSpawn.builder().dataDir(dir.resolve("data")).open()) {
      assertThat(other.team(team.id()).agents().get("quitter").status())
          .isEqualTo(AgentStatus.STOPPED);
    }
    try (NemoSpawn other = NemoSpawn.builder().dataDir(dir.resolve("data")).open()) {
      assertThat(other.team(team.id()).agents().find(a.id()).orElseThrow().lifecycle())
          .isEqualTo(LifecycleState.DEAD);
    }
  }

  @Test
  void aRunningAgentAndAHandRegisteredOneStayRunning() {
    Agent a = team.spawn(AgentSpec.builder("sleeper")
        .runtime("process")
        .gpus(0)
        .command("sleep", "300")
        .build());
    team.agents().register("by-hand", "worker", List.of(), "");

    assertThat(team.agents().list().items())
        .extracting(AgentInfo::name, AgentInfo::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("sleeper", AgentStatus.RUNNING),
            org.assertj.core.groups.Tuple.tuple("by-hand", AgentStatus.RUNNING));
    assertThat(((FileTeam) team).supervisor().records().leases()).isNotEmpty();
    a.stop(Duration.ofSeconds(2));
  }
}
