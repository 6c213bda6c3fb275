package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The inbox, plan, lifecycle and artifact commands, run in this JVM. */
class CoordinationCommandsTest {
  @TempDir
  Path dir;

  String team;
  String trainer;
  String eval;

  @BeforeEach
  void createTeam() {
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.newTeam("cli").create()) {
      team = t.id();
      trainer = t.agents().register("trainer", "worker", List.of(0), "").id();
      eval = t.agents().register("eval", "worker", List.of(1), "").id();
    }
  }

  CliRun run(String... args) {
    return CliRun.run(dir, args);
  }

  @Test
  void lifecycleRoundTrip() {
    CliRun idle =
        run("lifecycle", "idle", "--team", team, "--agent", "trainer", "--reason", "no work");
    assertThat(idle.code).as(idle.toString()).isZero();
    assertThat(idle.out).isEqualTo("Agent trainer (" + trainer + ") is now idle: no work\n");
    CliRun list = run("lifecycle", "idle-list", "--team", team);
    assertThat(list.out).contains(trainer).contains("idle").doesNotContain(eval);
    assertThat(run("lifecycle", "shutdown-request", "-t", team, "-a", trainer, "--reason", "done")
            .code)
        .isZero();
    CliRun approve = run("lifecycle", "shutdown-approve", "trainer", "--team", team, "--json");
    assertThat(approve.code).isZero();
    assertThat(approve.json().get("lifecycle").get("state").asString())
        .isEqualTo("shutdown_approved");
    CliRun again = run("lifecycle", "shutdown-reject", "trainer", "--team", team);
    assertThat(again.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err)
        .isEqualTo("Error: Cannot move agent 'trainer' (" + trainer
            + ") from shutdown_approved to running; allowed from: [shutdown_requested]\n");
    CliRun status = run("lifecycle", "status", "--team", team, "--json");
    assertThat(status.json().get("agents")).hasSize(2);
    CliRun one = run("lifecycle", "status", "eval", "--team", team);
    assertThat(one.out.lines().toList()).hasSize(2);
    assertThat(one.out).contains(eval).contains("running");
  }

  @Test
  void planSubmitListShowApproveAndReviewTwice() {
    CliRun submit = run(
        "plan",
        "submit",
        "--team",
        team,
        "--agent",
        "trainer",
        "--title",
        "Tune lr",
        "--step",
        "one",
        "--step",
        "two",
        "--description",
        "d",
        "--json");
    assertThat(submit.code).as(submit.toString()).isZero();
    JsonNode p = submit.json();
    String id = p.get("plan_id").asString();
    assertThat(p.get("agent_id").asString()).isEqualTo(trainer);
    assertThat(p.get("status").asString()).isEqualTo("pending");
    assertThat(p.get("steps")).hasSize(2);

    CliRun list = run("plan", "list", "--team", team);
    assertThat(list.out.lines().toList()).hasSize(2);
    assertThat(list.out).contains(id).contains("pending").contains("Tune lr");
    assertThat(run("plan", "list", "--team", team, "--status", "approved")
            .out
            .lines()
            .toList())
        .hasSize(1);
    CliRun bad = run("plan", "list", "--team", team, "--status", "done");
    assertThat(bad.code).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err)
        .contains("Unknown plan status 'done'; use one of pending, approved, rejected");

    CliRun show = run("plan", "show", id, "--team", team);
    assertThat(show.out).contains("step 2").contains("two");

    CliRun approve =
        run("plan", "approve", id, "--team", team, "--reviewer", "lead", "--comment", "ok");
    assertThat(approve.out).isEqualTo("Plan " + id + " approved by lead\n");
    CliRun twice = run("plan", "reject", id, "--team", team, "--reviewer", "x");
    assertThat(twice.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(twice.err)
        .startsWith("Error: Cannot reject plan " + id + ": it was approved by 'lead' at ")
        .endsWith("; only a pending plan can be reviewed (submit a new plan instead)\n");
    CliRun unknown = run("plan", "show", "plan-00000000", "--team", team);
    assertThat(unknown.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(unknown.err)
        .isEqualTo("Error: No plan 'plan-00000000' in team " + team + "; plans: " + id + "\n");
  }

  @Test
  void artifactRegisterListPromoteShow() {
    CliRun a = run(
        "artifact",
        "register",
        "--team",
        team,
        "--type",
        "nemo-checkpoint",
        "--path",
        "/ckpt/a",
        "--val-loss",
        "1.5",
        "--metric",
        "acc=0.9",
        "--metric",
        "note=x",
        "--tag",
        "b",
        "--agent",
        "trainer",
        "--json");
    assertThat(a.code).as(a.toString()).isZero();
    String aId = a.json().get("artifact_id").asString();
    assertThat(a.json().get("metrics").get("acc").asDouble()).isEqualTo(0.9);
    assertThat(a.json().get("metrics").get("note").asString()).isEqualTo("x");
    String bId = run(
            "artifact",
            "register",
            "-t",
            team,
            "--type",
            "nemo_checkpoint",
            "--path",
            "/ckpt/b",
            "--val-loss",
            "0.5",
            "--json")
        .json()
        .get("artifact_id")
        .asString();
    String cId = run(
            "artifact",
            "register",
            "-t",
            team,
            "--type",
            "nemo-checkpoint",
            "--path",
            "/ckpt/c",
            "--json")
        .json()
        .get("artifact_id")
        .asString();
    CliRun sorted = run("artifact", "list", "-t", team, "--sort", "val_loss", "--json");
    assertThat(sorted
            .json()
            .get("artifacts")
            .valueStream()
            .map(n -> n.get("artifact_id").asString()))
        .containsExactly(bId, aId, cId);
    CliRun promote = run("artifact", "promote", bId, "-t", team);
    assertThat(promote.out)
        .isEqualTo("Promoted " + bId + " as the nemo-checkpoint of team " + team + "\n");
    CliRun promoted = run("artifact", "list", "-t", team, "--promoted");
    assertThat(promoted.out.lines().toList()).hasSize(2);
    assertThat(promoted.out).contains(bId);
    assertThat(run("artifact", "list", "-t", team, "--tag", "b").out)
        .contains(aId)
        .doesNotContain(bId);
    assertThat(run("artifact", "show", aId, "-t", team).out)
        .contains("metric acc")
        .contains("1.5");

    CliRun badType = run("artifact", "register", "-t", team, "--type", "model", "--path", "/x");
    assertThat(badType.code).isEqualTo(ExitCodes.USAGE);
    assertThat(badType.err)
        .contains("Unknown artifact type 'model'; use one of nemo-checkpoint, lora-adapter,"
            + " nim-container, dataset, benchmark, reward-signal, config-patch");
  }

  @Test
  void inboxSendReceivePeekBroadcastWithInertBodies() {
    CliRun send = run(
        "inbox",
        "send",
        "trainer",
        "line1\nfake-row  leader  x\u001b[31m",
        "--team",
        team,
        "--from",
        "eval");
    assertThat(send.code).as(send.toString()).isZero();
    assertThat(send.out).startsWith("Sent ").endsWith(" to " + trainer + " via file\n");
    CliRun json = run("inbox", "send", trainer, "second", "--team", team, "--json");
    assertThat(json.json().get("transport").asString()).isEqualTo("file");
    assertThat(json.json().get("from_agent").asString()).isEqualTo("leader");

    CliRun peek = run("inbox", "peek", "--team", team, "--agent", "trainer");
    assertThat(peek.out.lines().toList()).hasSize(3); // header + 2 rows: the newline is escaped
    assertThat(peek.out)
        .contains("line1\\nfake-row  leader  x\\u001b[31m")
        .doesNotContain("\u001b");
    CliRun receive = run("inbox", "receive", "--team", team, "--agent", "trainer", "--json");
    assertThat(receive.json().get("messages")).hasSize(2);
    assertThat(receive.json().get("messages").get(0).get("body").asString())
        .isEqualTo("line1\nfake-row  leader  x\u001b[31m");
    assertThat(run("inbox", "receive", "--team", team, "--agent", "trainer").out)
        .isEqualTo("No unread messages.\n");

    CliRun bc = run("inbox", "broadcast", "sync", "--team", team, "--from", "trainer", "--json");
    assertThat(bc.json().get("deliveries")).hasSize(1);
    assertThat(bc.json().get("deliveries").get(0).get("to_agent").asString()).isEqualTo(eval);

    CliRun timeout =
        run("inbox", "receive", "--team", team, "--agent", "trainer", "--timeout", "0.2");
    assertThat(timeout.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(timeout.err).isEqualTo("No message for trainer within 0.2 s\n");

    CliRun unknown = run("inbox", "send", "ghost", "x", "--team", team);
    assertThat(unknown.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(unknown.err)
        .startsWith("Error: No agent 'ghost' in team " + team + "; agents: trainer (");
  }

  @Test
  void missingTeamIsAUsageError() {
    CliRun r = run("plan", "list");
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("NEMOSPAWN_TEAM") == null);
    assertThat(r.code).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err).startsWith("Missing team: pass --team TEAM or set NEMOSPAWN_TEAM");
    CliRun group = run("inbox");
    assertThat(group.code).isEqualTo(ExitCodes.USAGE);
  }
}
