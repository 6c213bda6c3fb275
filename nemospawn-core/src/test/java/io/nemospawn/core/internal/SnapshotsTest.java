package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.core.ops.RestoreReport;
import io.nemospawn.core.ops.SnapshotInfo;
import io.nemospawn.core.ops.Snapshots;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class SnapshotsTest {
  static final Instant T0 = Instant.parse("2026-11-21T19:01:51.212059Z");

  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  Snapshots snapshots;
  Task train;

  @BeforeEach
  void open() throws Exception {
    ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(InstantSource.fixed(T0))
        .open();
    team = ns.newTeam("snaps").create();
    AgentInfo w = team.agents().register("trainer", "worker", List.of(0), "train");
    train = team.tasks().create(TaskSpec.of("train").withMetadata("hpo_study", "lr-sweep"));
    team.tasks().create(TaskSpec.of("eval").after(train.id()));
    team.plans().submit(PlanSpec.of("tune lr").withAgent(w.id()).withSteps(List.of("sweep")));
    Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
    team.artifacts().register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, ckpt));
    Files.writeString(team.dir().resolve("costs/cost_record.json"), "{\"team_id\": \"x\"}\n");
    Files.createDirectories(team.dir().resolve("costs/usage"));
    Files.writeString(team.dir().resolve("costs/usage/ledger.jsonl"), "{\"tokens\": 5}\n");
    // The agent is not running: its process ended.
    team.agents().updateStatus(w.id(), AgentStatus.STOPPED, 0);
    snapshots = Snapshots.of(team);
  }

  @AfterEach
  void close() {
    ns.close();
  }

  @Test
  void aRestoreBringsBackEveryRecordAsSavedAndKeepsTheTeam() throws Exception {
    Map<String, String> before = TeamRecords.of(team.dir());
    String teamJson = Files.readString(team.dir().resolve("team.json"));
    SnapshotInfo s = snapshots.save("before eval");
    assertThat(s.id()).matches("snap-[0-9a-f]{8}");
    assertThat(s.file()).isEqualTo(team.dir().resolve("snapshots/" + s.id() + ".json"));
    assertThat(List.of(s.agents(), s.tasks(), s.plans(), s.artifacts(), s.costFiles()))
        .containsExactly(1, 2, 1, 1, 2);
    assertThat(s.studies()).containsExactly("lr-sweep");

    // NemoSpawn 1.0's record: its keys are all there.
    ObjectNode n = (ObjectNode)
        io.nemospawn.core.internal.state.Json.parseObject(Files.readAllBytes(s.file()));
    assertThat(n.propertyNames())
        .contains(
            "snapshot_id",
            "team_id",
            "label",
            "team_data",
            "agents",
            "tasks",
            "plans",
            "costs",
            "created_at");
    assertThat(n.get("costs").get("team_id").asString()).isEqualTo("x");
    assertThat(n.get("created_at").asString()).isEqualTo("2026-11-21T19:01:51.212059+00:00");

    // Change everything the snapshot holds.
    team.tasks().complete(train.id());
    team.tasks().create("extra");
    team.plans().submit(PlanSpec.of("another").withAgent("trainer"));
    team.artifacts().register(ArtifactSpec.of(ArtifactType.DATASET, dir.resolve("ckpt")));
    Files.writeString(team.dir().resolve("costs/cost_record.json"), "{\"team_id\": \"y\"}\n");
    Files.writeString(team.dir().resolve("costs/new.json"), "{}\n");
    assertThat(TeamRecords.of(team.dir())).isNotEqualTo(before);

    RestoreReport r = snapshots.restore(s.id(), false);

    assertThat(r.stoppedAgents()).isEmpty();
    assertThat(r.restored())
        .containsEntry("agents", 1)
        .containsEntry("tasks", 2)
        .containsEntry("plans", 1)
        .containsEntry("artifacts", 1)
        .containsEntry("costs", 2);
    assertThat(TeamRecords.of(team.dir())).isEqualTo(before);
    assertThat(Files.readString(team.dir().resolve("team.json"))).isEqualTo(teamJson);
    assertThat(team.dir().resolve(RestoreJournal.DIR)).doesNotExist();
    // The task graph works on the restored records (its index was rebuilt).
    assertThat(team.tasks().check().isClean()).isTrue();
    assertThat(team.tasks().get(train.id()).state()).isEqualTo(TaskState.PENDING);
    team.tasks().complete(train.id());
    assertThat(team.tasks().list(TaskState.PENDING))
        .extracting(Task::title)
        .containsExactly("eval");
    assertThat(Files.readString(dir.resolve("audit.jsonl")))
        .contains("\"snapshot.save\"", "\"snapshot.restore\"");
  }

  @Test
  void listGetAndDeleteFindSnapshotsByIdOrLabel() {
    SnapshotInfo a = snapshots.save("a");
    SnapshotInfo b = snapshots.save("");
    assertThat(snapshots.list().items()).extracting(SnapshotInfo::id).contains(a.id(), b.id());
    assertThat(snapshots.get("a").id()).isEqualTo(a.id());
    snapshots.delete(a.id());
    assertThat(a.file()).doesNotExist();
    assertThatThrownBy(() -> snapshots.delete(a.id()))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("No snapshot '" + a.id() + "' in team " + team.id())
        .hasMessageContaining(b.id());
  }

  @Test
  void aRestoreIsRefusedWhileAgentsRunAndForceStopsThemFirst() {
    SnapshotInfo s = snapshots.save("x");
    AgentInfo live = team.agents().register("evaluator", "worker", List.of(1), "eval");
    team.tasks().create("made after the snapshot");
    Map<String, String> before = TeamRecords.of(team.dir());

    assertThatThrownBy(() -> snapshots.restore(s.id(), false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Cannot restore snapshot " + s.id())
        .hasMessageContaining("1 agent of team " + team.id() + " run (evaluator)")
        .hasMessageContaining("force");
    assertThat(TeamRecords.of(team.dir())).isEqualTo(before);

    RestoreReport r = snapshots.restore(s.id(), true);
    assertThat(r.stoppedAgents()).containsExactly(live.id());
    // The evaluator is not in the snapshot: its record is gone with the restore.
    assertThat(team.agents().find("evaluator")).isEmpty();
    assertThat(team.tasks().list().items()).hasSize(2);
    assertThat(ns.dataDir().resolve("audit.jsonl"))
        .content()
        .contains("\"agent.stop\"", "stopped to restore snapshot " + s.id());
  }

  @Test
  void agentsSavedRunningAreRestoredStoppedWithTheReason() {
    AgentInfo live = team.agents().register("evaluator", "worker", List.of(1), "eval");
    SnapshotInfo s = snapshots.save("with a running agent");
    RestoreReport r = snapshots.restore(s.id(), true);
    assertThat(r.stoppedAgents()).containsExactly(live.id());
    AgentInfo back = team.agents().get(live.id());
    assertThat(back.status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(back.lifecycle()).isEqualTo(LifecycleState.DEAD);
    assertThat(back.lifecycleReason())
        .isEqualTo("restored from snapshot " + s.id() + ": no process runs for it");
  }

  @ParameterizedTest
  @ValueSource(strings = {"line\nbreak", "bidi\u202Eevil", "tab\there", "bell\u0007"})
  void hostileLabelsAreRefusedBeforeAnyFileIsWritten(String label) throws Exception {
    assertThatThrownBy(() -> snapshots.save(label))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid snapshot label '")
        .hasMessageContaining("use printable text on one line");
    try (var s = Files.list(team.dir().resolve("snapshots"))) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void aTooLongLabelIsRefused() {
    assertThatThrownBy(() -> snapshots.save("x".repeat(201)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("201 characters; use at most 200");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "$(id)", "it's \"quoted\""})
  void pathLikeLabelsAreTextNeverPaths(String label) throws Exception {
    SnapshotInfo s = snapshots.save(label);
    assertThat(snapshots.get(label).id()).isEqualTo(s.id());
    try (var files = Files.list(team.dir().resolve("snapshots"))) {
      assertThat(files).containsExactly(s.file());
    }
    assertThat(dir.resolve("teams/x")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../team.json", "snap-../x", "$(id)", "snap-0000000\n"})
  void hostileSnapshotIdsTouchNothing(String id) {
    snapshots.save("ok");
    Map<String, String> before = TeamRecords.of(team.dir());
    assertThatThrownBy(() -> snapshots.restore(id, true))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("No snapshot '")
        .hasMessageContaining("in team " + team.id());
    assertThatThrownBy(() -> snapshots.delete(id)).isInstanceOf(NoSuchElementException.class);
    assertThat(TeamRecords.of(team.dir())).isEqualTo(before);
    assertThat(team.dir().resolve("team.json")).exists();
  }

  @Test
  void aDamagedSnapshotIsRefusedBeforeAnythingIsTouched() throws Exception {
    SnapshotInfo s = snapshots.save("x");
    ObjectNode n = io.nemospawn.core.internal.state.Json.parseObject(Files.readAllBytes(s.file()));
    ((ObjectNode) n.get("tasks").get(1)).put("task_id", "../../escape");
    Files.write(s.file(), io.nemospawn.core.internal.state.Json.bytes(n));
    team.tasks().create("after");
    Map<String, String> before = TeamRecords.of(team.dir());
    assertThatThrownBy(() -> snapshots.restore(s.id(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tasks[1]: invalid task_id '../../escape'");
    assertThat(TeamRecords.of(team.dir())).isEqualTo(before);
    assertThat(team.dir().resolve(RestoreJournal.DIR)).doesNotExist();
  }

  @Test
  void aSnapshotOfAnotherTeamIsRefused() throws Exception {
    SnapshotInfo s = snapshots.save("x");
    Team other = ns.newTeam("other").create();
    Path copy = other.dir().resolve("snapshots").resolve(s.id() + ".json");
    Files.copy(s.file(), copy);
    assertThatThrownBy(() -> Snapshots.of(other).restore(s.id(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("into team " + other.id())
        .hasMessageContaining("taken of team '" + team.id() + "'");
  }

  @Test
  void aFailureWhileStagingLeavesTheTeamAsItWas() {
    SnapshotInfo s = snapshots.save("x");
    team.tasks().create("after");
    Map<String, String> before = TeamRecords.of(team.dir());
    RestoreJournal.observeSteps(step -> {
      if (step.equals("staged")) {
        throw new IllegalStateException("disk full (simulated at the stage step)");
      }
    });
    try {
      assertThatThrownBy(() -> snapshots.restore(s.id(), false)).hasMessageContaining("disk full");
    } finally {
      RestoreJournal.observeSteps(step -> {});
    }
    assertThat(TeamRecords.of(team.dir())).isEqualTo(before);
    assertThat(team.dir().resolve(RestoreJournal.DIR)).doesNotExist();
  }

  @Test
  void aSnapshotNemoSpawn10WroteIsRestoredLeavingArtifactsAlone() throws Exception {
    SnapshotInfo s = snapshots.save("x");
    ObjectNode n = io.nemospawn.core.internal.state.Json.parseObject(Files.readAllBytes(s.file()));
    for (String extra :
        List.of("format_version", "team_name", "artifacts", "cost_files", "studies")) {
      n.remove(extra);
    }
    Path old = team.dir().resolve("snapshots/snap-0123abcd.json");
    n.put("snapshot_id", "snap-0123abcd");
    Files.write(old, io.nemospawn.core.internal.state.Json.bytes(n));
    team.artifacts().register(ArtifactSpec.of(ArtifactType.DATASET, dir.resolve("ckpt")));
    Files.delete(team.dir().resolve("costs/usage/ledger.jsonl"));

    RestoreReport r = snapshots.restore("snap-0123abcd", false);
    assertThat(r.restored()).containsOnlyKeys("agents", "tasks", "plans", "costs");
    assertThat(TeamRecords.of(team.dir()).keySet().stream().filter(k -> k.startsWith("artifacts/")))
        .hasSize(2);
    JsonNode cost = io.nemospawn.core.internal.state.Json.parseObject(
        Files.readAllBytes(team.dir().resolve("costs/cost_record.json")));
    assertThat(cost.get("team_id").asString()).isEqualTo("x");
    assertThat(snapshots.get("snap-0123abcd").artifacts()).isEqualTo(-1);
  }
}
