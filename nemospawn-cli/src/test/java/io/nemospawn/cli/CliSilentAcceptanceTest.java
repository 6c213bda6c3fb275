package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI used to accept silently or report unclearly (issue 12, item 6): each is refused
 * with a message naming the value, or warned about, and a refusal stores nothing.
 */
class CliSilentAcceptanceTest {
  @TempDir
  Path data;

  String team;

  @BeforeEach
  void createTeam() {
    team = run("team", "create", "t", "--json").json().get("team_id").asString();
  }

  CliRun run(String... args) {
    return CliRun.run(data, args);
  }

  @Test
  void anUnknownOwnerIsWarnedAboutAndAKnownOneIsNot() {
    CliRun ghost = run("task", "create", "--title", "a", "--owner", "ghost", "-t", team);
    assertThat(ghost.code).as(ghost.toString()).isZero();
    assertThat(ghost.err)
        .isEqualTo("Warning: owner 'ghost' is not an agent of team " + team + " (agents: none);"
            + " the task is assigned to it anyway. Register it with: nemospawn agent register"
            + " ghost --team " + team + "\n");
    String id = ghost.out.split(" ")[2];
    String w1 = run("agent", "register", "w1", "-t", team, "--json")
        .json()
        .get("agent_id")
        .asString();
    CliRun known = run("task", "update", id, "--owner", "w1", "-t", team);
    assertThat(known.err).isEmpty();
    assertThat(run("task", "update", id, "--owner", w1, "-t", team).err).isEmpty();
    assertThat(run("task", "update", id, "--owner", "leader", "-t", team).err).isEmpty();
    CliRun again = run("task", "update", id, "--owner", "ghost2", "-t", team);
    assertThat(again.code).isZero();
    assertThat(again.err)
        .startsWith(
            "Warning: owner 'ghost2' is not an agent of team " + team + " (agents: " + w1 + ")");
  }

  @Test
  void valLossMetadataMustBeANumber() {
    for (String v : new String[] {"abc", "NaN", "Infinity", ""}) {
      CliRun r = run("task", "create", "--title", "a", "--metadata", "val_loss=" + v, "-t", team);
      assertThat(r.code).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.err)
          .isEqualTo("Error: Invalid val_loss '" + v + "': it must be a finite number\n");
    }
    assertThat(run("task", "list", "-t", team, "--json").json().get("tasks")).isEmpty();
    CliRun ok =
        run("task", "create", "--title", "a", "--metadata", "val_loss=0.5", "-t", team, "--json");
    assertThat(ok.json().get("metadata").get("val_loss").asDouble()).isEqualTo(0.5);
  }

  @Test
  void artifactValLossNaNAndAnEmptyPathAreRefused() {
    CliRun nan = run(
        "artifact",
        "register",
        "-t",
        team,
        "--type",
        "dataset",
        "--path",
        "/d",
        "--val-loss",
        "NaN");
    assertThat(nan.code).as(nan.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(nan.err)
        .isEqualTo("Error: Invalid val_loss NaN; use a finite number or leave it unset\n");
    CliRun empty = run("artifact", "register", "-t", team, "--type", "dataset", "--path", "");
    assertThat(empty.code).as(empty.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(empty.err)
        .isEqualTo("Error: Invalid artifact path '': it is empty; give the file"
            + " or directory the artifact is in\n");
    assertThat(run("artifact", "list", "-t", team).out).doesNotContain("dataset");
  }

  @Test
  void numericConfigMustBeFinite() {
    for (String v : new String[] {"NaN", "Infinity", "-1", "0x1p3"}) {
      CliRun r = run("config", "set", "cost_rate", v);
      assertThat(r.code).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.err)
          .isEqualTo("Error: Invalid cost_rate '" + v + "': use a non-negative"
              + " decimal number of USD per GPU-hour, such as 2.5\n");
    }
    assertThat(run("config", "get", "cost_rate").out).isEqualTo("2.5\n");
  }

  @Test
  void theNameLimitIsTheOneTheErrorStates() {
    CliRun r = run("team", "create", "n".repeat(128));
    assertThat(r.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err).contains("it is 128 characters long; use 1-119 ASCII letters");
    assertThat(run("team", "create", "n".repeat(119)).code).isZero();
  }

  @Test
  void aTruncatedAgentRecordIsReportedAndBlocksItsName() throws Exception {
    String a1 = run("agent", "register", "a1", "-t", team, "--json")
        .json()
        .get("agent_id")
        .asString();
    Path file = data.resolve("teams").resolve(team).resolve("agents").resolve(a1 + ".json");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));

    CliRun send = run("inbox", "send", "a1", "hi", "-t", team);
    assertThat(send.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(send.err).startsWith("Error: The record of agent 'a1' is unreadable: " + file);
    CliRun again = run("agent", "register", "a1", "-t", team);
    assertThat(again.code).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err).contains(file.toString());
    assertThat(Files.list(file.getParent())).hasSize(1);
    CliRun list = run("agent", "list", "-t", team);
    assertThat(list.err).contains("Warning: unreadable").contains(file.toString());
  }

  @Test
  void aTruncatedTeamJsonIsListedAsAProblemWithARecovery() throws Exception {
    Path file = data.resolve("teams").resolve(team).resolve("team.json");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    CliRun list = run("team", "list");
    assertThat(list.code).isZero();
    assertThat(list.out)
        .startsWith("No readable teams in ")
        .endsWith("; 1 unreadable, see the" + " warnings\n");
    assertThat(list.err)
        .startsWith("Warning: unreadable team record " + file + ": ")
        .contains("restore team.json from a backup or rewrite it");
    assertThat(run("team", "list", "--json")
            .json()
            .get("problems")
            .get(0)
            .get("path")
            .asString())
        .isEqualTo(file.toString());
  }

  @Test
  void aReplacementCharacterInAnArgumentIsWarnedAbout() {
    CliRun r = run("task", "create", "--title", "bad \uFFFD byte", "-t", team);
    assertThat(r.code).isZero();
    assertThat(r.err).startsWith("Warning: argument 4 'bad \uFFFD byte' holds U+FFFD");
  }
}
