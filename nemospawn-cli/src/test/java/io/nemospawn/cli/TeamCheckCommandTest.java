package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code team check}, {@code team repair} and the problems line of {@code team status}. */
class TeamCheckCommandTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path dir;

  Cli cli;
  String team;

  @BeforeEach
  void setUp() {
    cli = new Cli(dir);
    team = cli.id("team", "create", "graph");
  }

  private Path taskFile(String id) {
    return dir.resolve("teams").resolve(team).resolve("tasks").resolve(id + ".json");
  }

  @Test
  void checkFindsAHandMadeStrandedTaskStatusSaysSoAndRepairFixesIt() throws Exception {
    String a = cli.id("task", "create", "--title", "a", "--team", team);
    String b = cli.id("task", "create", "--title", "b", "--blocked-by", a, "--team", team);
    cli.run("task", "update", a, "--status", "done", "--team", team);
    // What a completion killed part-way by an older version left: a done, b still blocked.
    Files.writeString(
        taskFile(b),
        Files.readString(taskFile(b))
            .replace("\"status\": \"pending\"", "\"status\": \"blocked\""));

    Cli.Result check = cli.run("team", "check", team);
    assertThat(check.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(check.out())
        .isEqualTo("stranded-task  " + taskFile(b) + "\n"
            + "  task " + b + " is blocked but its dependencies are all done: [" + a + "]\n"
            + "  fix: repair team " + team + " (Tasks.repair()), which makes it pending\n"
            + "1 problem in team " + team + "; fix them with: nemospawn team repair " + team
            + "\n");
    assertThat(Files.readString(taskFile(b))).as("check is read-only").contains("\"blocked\"");

    Cli.Result status = cli.run("team", "status", team);
    assertThat(status.code()).isZero();
    assertThat(status.out())
        .contains("Problems: 1 in the task graph; see: nemospawn team check " + team
            + ", fix: nemospawn team repair " + team + "\n");
    JsonNode statusJson =
        JSON.readTree(cli.run("team", "status", team, "--json").out());
    assertThat(statusJson.get("graph_problems").asInt()).isEqualTo(1);

    Cli.Result repair = cli.run("team", "repair", "--team", team);
    assertThat(repair.code()).isZero();
    assertThat(repair.out())
        .isEqualTo(
            "Repaired: unblocked task " + b + ": its dependencies [" + a + "] are all done\n");
    JsonNode shown =
        JSON.readTree(cli.run("task", "show", b, "--json", "--team", team).out());
    assertThat(shown.get("status").asString()).isEqualTo("pending");

    Cli.Result clean = cli.run("team", "check", team);
    assertThat(clean.code()).isZero();
    assertThat(clean.out()).isEqualTo("Team " + team + ": no problems found in the task graph\n");
    assertThat(cli.run("team", "status", team).out()).doesNotContain("Problems:");
    assertThat(cli.run("team", "repair", team).out())
        .isEqualTo("Team " + team + ": nothing to repair in the task graph\n");
  }

  @Test
  void checkAsJsonListsEachProblemAndRepairLeavesWhatNeedsAPerson() throws Exception {
    String a = cli.id("task", "create", "--title", "a", "--team", team);
    Path broken = taskFile("task-0badbad1");
    Files.writeString(broken, "{\"task_id\": ");

    Cli.Result check = cli.run("team", "check", team, "--json");
    assertThat(check.code()).isEqualTo(ExitCodes.FAILURE);
    JsonNode json = JSON.readTree(check.out());
    assertThat(json.get("clean").asBoolean()).isFalse();
    assertThat(json.get("problems")).hasSize(1);
    assertThat(json.get("problems").get(0).get("kind").asString()).isEqualTo("corrupt-record");
    assertThat(json.get("problems").get(0).get("path").asString()).isEqualTo(broken.toString());

    Cli.Result repair = cli.run("team", "repair", team);
    assertThat(repair.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(repair.out())
        .startsWith("Repaired: rebuilt the dependents index "
            + dir.resolve("teams").resolve(team).resolve(".index")
            + ": task files had changed behind it\n"
            + "corrupt-record  " + broken + "\n")
        .endsWith("1 problem in team " + team + " needs a person; see the fixes above\n");
    assertThat(a).startsWith("task-");
  }
}
