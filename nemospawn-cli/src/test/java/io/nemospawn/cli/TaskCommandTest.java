package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TaskCommandTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path dir;

  Cli cli;
  String team;

  @BeforeEach
  void setUp() {
    cli = new Cli(dir);
    team = cli.id("team", "create", "sweep", "--gpus", "0,1", "-d", "lr sweep");
  }

  @Test
  void createUpdateListShowAndDagThroughTheCli() {
    String a =
        cli.id("task", "create", "--title", "prepare", "--team", team, "--metadata", "lr=3e-4");
    String b = cli.id("task", "create", "--title", "train", "--blocked-by", a, "--team", team);
    Cli.Result list = cli.run("task", "list", "--team", team);
    assertThat(list.code()).isZero();
    assertThat(list.out())
        .startsWith("TASK_ID        TITLE    OWNER  STATUS   BLOCKED_BY     VAL_LOSS\n")
        .contains(a + "  prepare  -      pending  -              -\n")
        .contains(b + "  train    -      blocked  " + a + "  -\n");
    Cli.Result up =
        cli.run("task", "update", a, "--status", "done", "--val-loss", "0.25", "--team", team);
    assertThat(up.out()).isEqualTo("Updated task " + a + " [pending -> done]\n");
    assertThat(cli.run("task", "list", "--status", "pending", "--team", team).out())
        .contains(b + "  train  -      pending  " + a)
        .doesNotContain(a + "  prepare");
    Cli.Result show = cli.run("task", "show", a, "--team", team);
    assertThat(show.out())
        .contains("metadata.val_loss  0.25\n")
        .contains("status             done\n");
    JsonNode json =
        JSON.readTree(cli.run("task", "show", b, "--json", "--team", team).out());
    assertThat(json.get("status").asString()).isEqualTo("pending");
    assertThat(json.get("blocked_by").get(0).asString()).isEqualTo(a);
  }

  @Test
  void errorsAreOneLineWithTheValueAndTheFix() {
    Cli.Result r = cli.run("task", "update", "task-00000000", "--status", "done", "--team", team);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .isEqualTo("Error: No task 'task-00000000' in team " + team
            + "; list the tasks with Tasks.list() (on the command line: nemospawn task list --team "
            + team + ")\n");
    String a = cli.id("task", "create", "--title", "a", "--team", team);
    cli.run("task", "update", a, "--status", "done", "--team", team);
    r = cli.run("task", "update", a, "--status", "running", "--team", team);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .isEqualTo("Error: Cannot move task " + a
            + " from done to running; allowed from done: none (done is final)\n");
    r = cli.run("task", "update", a, "--status", "finished", "--team", team);
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .startsWith("Unknown task status 'finished'; use one of pending, blocked, running, done,"
            + " failed, cancelled\n");
    r = cli.run("task", "create", "--title", "x", "--blocked-by", "task-12345678", "--team", team);
    assertThat(r.err())
        .isEqualTo("Error: Task 'x' depends on unknown task 'task-12345678' in team " + team
            + "; list the tasks with Tasks.list() (on the command line: nemospawn task list --team "
            + team + ")\n");
    r = cli.run("task", "list", "--team", "nope");
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).startsWith("Error: No team 'nope' in " + dir + "; teams: " + team);
  }

  @Test
  void claimTakesTheNextPendingTaskOnceAndWaitTimesOut() {
    String a = cli.id("task", "create", "--title", "a", "--team", team);
    Cli.Result c = cli.run("task", "claim", "--agent", "w1", "--lease", "60", "--team", team);
    assertThat(c.code()).isZero();
    assertThat(c.out()).startsWith("Claimed task " + a + " for w1 until ");
    Cli.Result again = cli.run("task", "claim", "--agent", "w2", "--team", team);
    assertThat(again.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err())
        .isEqualTo("Error: no pending task is free for agent w2; see them with: nemospawn task"
            + " list --status pending\n");
    Cli.Result taken = cli.run("task", "claim", a, "--agent", "w2", "--team", team);
    assertThat(taken.err())
        .startsWith("Error: Cannot claim task " + a + ": it is running (owner w1)");
    Cli.Result wait = cli.run("task", "wait", a, "--timeout", "0", "--team", team);
    assertThat(wait.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(wait.err())
        .isEqualTo("Error: timed out after 0 s waiting for " + a
            + " (running); wait longer with --timeout SECONDS\n");
    cli.run("task", "update", a, "--status", "done", "--team", team);
    assertThat(cli.run("task", "wait", a, "--team", team).out()).isEqualTo(a + " done\n");
    Cli.Result noAgent = cli.run("task", "claim", "--team", team);
    if (System.getenv("NEMOSPAWN_AGENT") == null) {
      assertThat(noAgent.code()).isEqualTo(ExitCodes.USAGE);
      assertThat(noAgent.err())
          .startsWith("Missing agent: pass --agent AGENT or set NEMOSPAWN_AGENT");
    }
  }

  @Test
  void corruptRecordsAreListedAsProblemsAndTheRestStillShow() throws Exception {
    String a = cli.id("task", "create", "--title", "good", "--team", team);
    Path bad = dir.resolve("teams").resolve(team).resolve("tasks/task-0badbad0.json");
    Files.writeString(bad, "{\"task_id\": ");
    Cli.Result r = cli.run("task", "list", "--team", team);
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains(a);
    assertThat(r.err()).startsWith("Warning: unreadable task " + bad + ": malformed JSON");
    JsonNode json =
        JSON.readTree(cli.run("task", "list", "--json", "--team", team).out());
    assertThat(json.get("tasks")).hasSize(1);
    assertThat(json.get("problems").get(0).get("path").asString()).isEqualTo(bad.toString());
  }

  @Test
  void teamsAgentsAndConfig() {
    Cli.Result list = cli.run("team", "list");
    assertThat(list.out()).contains(team + "  sweep  0,1   active");
    Cli.Result del = cli.run("team", "delete", team);
    assertThat(del.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(del.err())
        .contains("without confirmation; run: nemospawn team delete " + team + " --yes");
    String agent = cli.id("agent", "register", "trainer", "--gpus", "0", "--team", team);
    assertThat(cli.run("agent", "list", "--team", team).out())
        .contains(agent + "  trainer  worker  0");
    assertThat(cli.run("agent", "register", "../x", "--team", team).err())
        .isEqualTo("Error: Invalid agent name '../x': it contains '..'; use 1-119 ASCII letters,"
            + " digits, '.', '_' or '-', starting with a letter or digit\n");
    assertThat(cli.run("config", "set", "web_port", "8081").code()).isZero();
    assertThat(cli.run("config", "get", "web_port").out()).isEqualTo("8081\n");
    assertThat(cli.run("config", "show").out()).contains("web_port         8081");
    Cli.Result bad = cli.run("config", "set", "web_port", "http");
    assertThat(bad.err()).isEqualTo("Error: Invalid web_port 'http': not an integer\n");
    assertThat(cli.run("config", "get", "nope").err())
        .startsWith("Unknown config key 'nope'; valid keys: data_dir,");
    Cli.Result health = cli.run("config", "health", "--json");
    assertThat(health.out()).contains("\"check\" : \"data dir writable\"");
    assertThat(cli.run("team", "delete", team, "--yes").out())
        .isEqualTo("Deleted team " + team + "\n");
  }
}
