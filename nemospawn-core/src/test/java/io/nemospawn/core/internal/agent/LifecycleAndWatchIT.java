package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.Health;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.inbox.Message;
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

/** Lifecycle decisions that act, and the health watch, on real processes. */
class LifecycleAndWatchIT {
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
    team = ns.newTeam("lc").gpus(0, 1).create();
  }

  @AfterEach
  void tearDown() {
    ns.close();
  }

  private Agent sleeper(String name, int gpu) {
    return team.spawn(AgentSpec.builder(name)
        .runtime("process")
        .gpus(gpu)
        .command("/bin/sh", "-c", "sleep 300 & sleep 300 & wait")
        .build());
  }

  @Test
  void approvedShutdownStopsTheAgentAndFreesItsGpus() throws Exception {
    Agent a = sleeper("worker", 0);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> ProcessHandle.of(a.info().pid()).orElseThrow().descendants().count() >= 2);
    List<ProcessHandle> tree =
        ProcessHandle.of(a.info().pid()).orElseThrow().descendants().toList();
    team.lifecycle().requestShutdown(a.id(), "done");
    var after = team.lifecycle().approveShutdown(a.id(), "merged");
    assertThat(after.status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(after.lifecycle()).isEqualTo(LifecycleState.DEAD);
    assertThat(after.lifecycleReason()).isEqualTo("shutdown approved: merged");
    assertThat(a.isAlive()).isFalse();
    for (ProcessHandle p : tree) {
      await().atMost(Duration.ofSeconds(15)).until(() -> !p.isAlive());
    }
    assertThat(((FileTeam) team).supervisor().records().leases()).isEmpty();
  }

  @Test
  void rejectedShutdownTellsTheAgentWhyInItsInbox() {
    Agent a = sleeper("worker", 0);
    team.lifecycle().requestShutdown(a.id(), "bored");
    team.lifecycle().rejectShutdown(a.id(), "the eval task is still open");
    List<Message> got = team.inbox().receive(a.id());
    assertThat(got).hasSize(1);
    assertThat(got.get(0).from()).isEqualTo("nemospawn");
    assertThat(got.get(0).body())
        .isEqualTo("Your shutdown request was rejected: the eval task is"
            + " still open. Keep working; check your tasks with: nemospawn task list --team "
            + team.id());
    assertThat(a.isAlive()).isTrue();
    a.stop(Duration.ofSeconds(2));
  }

  @Test
  void watchMarksDeadAgentsRequeuesTheirTasksAndFreesTheirGpus() throws Exception {
    Agent dying = sleeper("dying", 0);
    Agent alive = sleeper("alive", 1);
    Task t = team.tasks().create("train");
    team.tasks().claim(t.id(), dying.id(), Duration.ofMinutes(10));
    assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.RUNNING);
    // both sleeps started, or the shell would wait for one forked after the kill
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() ->
            ProcessHandle.of(dying.info().pid()).orElseThrow().descendants().count() >= 2);
    ProcessHandle.of(dying.info().pid())
        .orElseThrow()
        .descendants()
        .forEach(ProcessHandle::destroyForcibly);
    assertThat(dying.awaitExit(Duration.ofSeconds(30))).isTrue();

    HealthReport r = team.checkHealth(Duration.ofMinutes(10));
    Health d = r.agents().stream()
        .filter(h -> h.agentId().equals(dying.id()))
        .findFirst()
        .orElseThrow();
    assertThat(d.state()).isEqualTo("dead");
    assertThat(d.requeued()).containsExactly(t.id());
    assertThat(r.healthy()).isEqualTo(1);
    assertThat(r.unhealthy()).isEqualTo(1);
    Task back = team.tasks().get(t.id());
    assertThat(back.state()).isEqualTo(TaskState.PENDING);
    assertThat(back.owner()).isEmpty();
    assertThat(back.metadata()).containsEntry("reassigned_from", dying.id());
    assertThat(dying.info().status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(((FileTeam) team).supervisor().records().leases()).containsOnlyKeys(1);

    HealthReport stuck = team.checkHealth(Duration.ZERO.minusSeconds(1));
    assertThat(stuck.agents())
        .filteredOn(h -> h.agentId().equals(alive.id()))
        .singleElement()
        .satisfies(h -> {
          assertThat(h.state()).isEqualTo("stuck");
          assertThat(h.reason()).startsWith("no update for ");
        });
    alive.stop(Duration.ofSeconds(2));
  }

  @Test
  void orphansOfADeadSpawnerAreStoppedByTheNextReconcile() throws Exception {
    // A spawner JVM that exits without closing its team leaves a non-detached agent behind;
    // the shutdown hook normally stops it, so here the record is made to name a dead owner.
    Agent a = sleeper("orphan", 0);
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    var sup = ((FileTeam) team).supervisor();
    sup.records().patch(a.id(), i -> i, n -> n.put("owner_pid", dead.pid()));
    var changes = sup.reconcile();
    assertThat(changes)
        .singleElement()
        .satisfies(c -> assertThat(c.what())
            .isEqualTo("orphaned: the JVM that spawned it (pid " + dead.pid() + ") is gone"));
    assertThat(a.isAlive()).isFalse();
    assertThat(Files.exists(a.logFile())).isTrue();
  }
}
