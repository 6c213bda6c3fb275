package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Every command form of NemoSpawn 1.0's snapshot and schedule groups ({@code
 * shared/reference/nemospawn-1.0-cli.txt}), typed as its documentation prints it, run through the
 * CLI in this JVM; each test checks the files the command leaves.
 */
class NemoSpawn10OpsFormsTest {
  @TempDir
  Path dir;

  Cli cli;
  String t1;
  String w0;
  String w1;

  @BeforeEach
  void createTeamWithTwoAgents() {
    cli = new Cli(dir);
    t1 = cli.id("team", "create", "t1");
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.team(t1)) {
      w0 = t.agents().register("w0", "worker", List.of(), "").id();
      w1 = t.agents().register("w1", "worker", List.of(), "").id();
    }
  }

  Cli.Result ok(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
    return r;
  }

  Path teamDir() {
    return dir.resolve("teams").resolve(t1);
  }

  List<Path> snapshotFiles() throws Exception {
    try (Stream<Path> s = Files.list(teamDir().resolve("snapshots"))) {
      return s.sorted().toList();
    }
  }

  @Test
  void snapshotSaveListRestoreDelete() throws Exception {
    String task = cli.id("task", "create", t1, "train");
    ok("snapshot", "save", "--team", t1);
    ok("snapshot", "save", "--team", t1, "--label", "before eval");
    ok("snapshot", "save", "--team", t1, "-l", "short");
    assertThat(snapshotFiles()).hasSize(3);
    JsonNode list = ok("snapshot", "list", "--team", t1, "--json").json().get("snapshots");
    assertThat(list).hasSize(3);
    String id = null;
    for (JsonNode s : list) {
      if (s.get("label").asString().equals("before eval")) {
        id = s.get("snapshot_id").asString();
      }
    }
    assertThat(id).matches("snap-[0-9a-f]{8}");
    assertThat(ok("snapshot", "list", "--team", t1).out()).contains(id, "before eval");

    cli.id("task", "create", t1, "eval");
    // The agents registered above count as running: 1.0's form with --force is refused ...
    Cli.Result refused = cli.run("snapshot", "restore", "--team", t1, "--snapshot", id);
    assertThat(refused.code()).isNotZero();
    assertThat(refused.err()).contains("Cannot restore snapshot " + id, "force");
    // ... so stop them first, as the message says.
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.team(t1)) {
      t.agents().updateStatus(w0, io.nemospawn.agent.AgentStatus.STOPPED, 0);
      t.agents().updateStatus(w1, io.nemospawn.agent.AgentStatus.STOPPED, 0);
    }
    assertThat(ok("snapshot", "restore", "--team", t1, "--snapshot", id).out())
        .contains("Restored snapshot " + id + " into team " + t1);
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.team(t1)) {
      assertThat(t.tasks().list().items()).extracting(Task::id).containsExactly(task);
    }

    ok("snapshot", "delete", "--team", t1, "--snapshot", id);
    String deleted = id;
    assertThat(snapshotFiles()).hasSize(2).noneMatch(p -> p.toString().contains(deleted));
    Cli.Result gone = cli.run("snapshot", "delete", "--team", t1, "--snapshot", id);
    assertThat(gone.code()).isNotZero();
    assertThat(gone.err()).contains("No snapshot '" + id + "' in team " + t1);
  }

  @Test
  void snapshotRestoreForceStopsRunningAgents() throws Exception {
    ok("snapshot", "save", "--team", t1, "-l", "x");
    Cli.Result r = ok("snapshot", "restore", "--team", t1, "--snapshot", "x", "--force", "--json");
    assertThat(r.json().get("stopped_agents").toString()).contains(w0, w1);
  }

  @Test
  void hostileLabelsAndIdsAreRefusedWithoutTouchingAFile() throws Exception {
    Cli.Result bad = cli.run("snapshot", "save", "--team", t1, "--label", "two\nlines");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("Invalid snapshot label");
    assertThat(snapshotFiles()).isEmpty();
    Cli.Result path = cli.run("snapshot", "restore", "--team", t1, "--snapshot", "../../team");
    assertThat(path.code()).isNotZero();
    assertThat(path.err()).contains("No snapshot '../../team'");
    assertThat(teamDir().resolve("team.json")).exists();
  }

  @Test
  void scheduleAnalyzeSuggestApplyAuto() throws Exception {
    String task = cli.id("task", "create", t1, "train", "--owner", w0);
    ok("task", "create", t1, "eval", "--owner", w0);
    Cli.Result analyze = ok("schedule", "analyze", "--team", t1);
    assertThat(analyze.out()).contains("AGENT", "w0", "w1", "Idle agents: w1");
    JsonNode a = ok("schedule", "analyze", "--team", t1, "--json").json();
    assertThat(a.get("idle_agents").toString()).contains("w1");

    Cli.Result suggest = ok("schedule", "suggest", "--team", t1);
    assertThat(suggest.out()).contains("w1 is idle while w0 has 2 queued");
    ok("schedule", "suggest", "--team", t1, "--threshold", "50");

    ok("schedule", "apply", "--team", t1, "--task", task, "--to", w1);
    JsonNode moved =
        CliRun.JSON.readTree(Files.readString(teamDir().resolve("tasks/" + task + ".json")));
    assertThat(moved.get("agent_id").asString()).isEqualTo(w1);
    assertThat(moved.get("metadata").get("reassigned_from").asString()).isEqualTo(w0);
    assertThat(Files.readString(dir.resolve("audit.jsonl"))).contains("\"schedule.apply\"");

    Cli.Result auto = ok(
        "schedule", "auto", "--team", t1, "--threshold", "30", "--interval", "1", "--rounds", "1");
    assertThat(auto.out()).contains("Round 1 at ");
    ok("schedule", "auto", "--team", t1, "--rounds", "1");
  }
}
