package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.core.ops.SnapshotInfo;
import io.nemospawn.core.ops.Snapshots;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.task.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A child JVM restores a snapshot and is killed with SIGKILL at a chosen step of the restore. A
 * kill before the commit leaves the team exactly as it was; a kill after it leaves a journal that
 * the next opening of the team rolls forward, after which the team is exactly the snapshot.
 */
class SnapshotRestoreCrashIT {
  @TempDir
  Path dir;

  String teamId;
  SnapshotInfo snapshot;
  Map<String, String> atSnapshot;
  Map<String, String> beforeRestore;

  void prepare() throws Exception {
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      Team team = ns.newTeam("crash").create();
      teamId = team.id();
      team.agents().register("trainer", "worker", List.of(0), "train");
      for (int i = 0; i < 50; i++) {
        team.tasks().create(TaskSpec.of("task " + i));
      }
      team.plans().submit(PlanSpec.of("plan").withAgent("trainer"));
      team.artifacts()
          .register(
              ArtifactSpec.of(ArtifactType.DATASET, Files.createDirectories(dir.resolve("d"))));
      Files.writeString(team.dir().resolve("costs/cost_record.json"), "{\"v\": 1}\n");
      team.agents().updateStatus("trainer", io.nemospawn.agent.AgentStatus.STOPPED, 0);
      snapshot = Snapshots.of(team).save("base");
      atSnapshot = TeamRecords.of(team.dir());
      // Move on from the snapshot in every directory.
      for (int i = 0; i < 20; i++) {
        team.tasks().create("later " + i);
      }
      team.tasks().complete(team.tasks().list().items().get(0).id());
      team.plans().submit(PlanSpec.of("plan 2").withAgent("trainer"));
      team.agents().register("evaluator", "worker", List.of(), "eval");
      team.agents().updateStatus("evaluator", io.nemospawn.agent.AgentStatus.STOPPED, 0);
      Files.writeString(team.dir().resolve("costs/cost_record.json"), "{\"v\": 2}\n");
      beforeRestore = TeamRecords.of(team.dir());
    }
    assertThat(beforeRestore).isNotEqualTo(atSnapshot);
  }

  Path teamDir() {
    return dir.resolve("teams").resolve(teamId);
  }

  /** Runs the child until it reports {@code step}, then kills it with SIGKILL. */
  void killAt(String step) throws Exception {
    Path log = dir.resolve("child-" + step.replace(':', '-') + ".log");
    Process p =
        Children.start(RestoreChildMain.class, log, dir.toString(), teamId, snapshot.id(), step);
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Files.exists(log) && Files.readString(log).contains("AT " + step));
    p.destroyForcibly(); // SIGKILL
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(Files.readString(log)).doesNotContain("RESTORED");
  }

  @ParameterizedTest
  @ValueSource(strings = {"staged"})
  void aKillBeforeTheCommitLeavesTheTeamExactlyAsItWas(String step) throws Exception {
    prepare();
    killAt(step);
    assertThat(teamDir().resolve(RestoreJournal.DIR)).exists(); // the stage is left
    assertThat(TeamRecords.of(teamDir())).isEqualTo(beforeRestore);
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(teamId)) {
      assertThat(teamDir().resolve(RestoreJournal.DIR)).doesNotExist();
      assertThat(TeamRecords.of(teamDir())).isEqualTo(beforeRestore);
      assertThat(t.tasks().list().items()).hasSize(70);
      assertThat(t.tasks().check().isClean()).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"journal", "aside:agents", "swap:agents", "aside:tasks", "swap:plans", "swap:costs"
      })
  void aKillAfterTheCommitIsFinishedByTheNextOpening(String step) throws Exception {
    prepare();
    killAt(step);
    assertThat(teamDir().resolve(RestoreJournal.DIR).resolve("journal.json")).exists();
    try (NemoSpawn ns = NemoSpawn.open(dir);
        Team t = ns.team(teamId)) {
      assertThat(teamDir().resolve(RestoreJournal.DIR)).doesNotExist();
      assertThat(TeamRecords.of(teamDir())).isEqualTo(atSnapshot);
      assertThat(t.tasks().list().items()).hasSize(50);
      assertThat(t.tasks().check().isClean()).isTrue();
      assertThat(t.agents().find("evaluator")).isEmpty();
    }
  }

  @Test
  void anUninterruptedChildRestoresTheSnapshot() throws Exception {
    prepare();
    Path log = dir.resolve("child.log");
    Process p =
        Children.start(RestoreChildMain.class, log, dir.toString(), teamId, snapshot.id(), "none");
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(Files.readString(log)).contains("RESTORED");
    assertThat(TeamRecords.of(teamDir())).isEqualTo(atSnapshot);
  }
}
