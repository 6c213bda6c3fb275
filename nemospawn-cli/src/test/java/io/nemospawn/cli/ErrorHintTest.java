package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library names values and settings; the CLI adds the flag (or config line) that sets each,
 * and only flags the failing command has. Nothing is left behind by the failed spawns.
 */
class ErrorHintTest {
  @TempDir
  Path dir;

  Cli cli;
  String team;

  @BeforeEach
  void setUp() {
    cli = new Cli(dir);
    team = cli.id("team", "create", "hints", "--gpus", "0,1");
  }

  private Cli.Result failing(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.FAILURE);
    return r;
  }

  @Test
  void aSpawnWithoutCommandNamesTheFlagsAndTheConfigSetting() throws Exception {
    Cli.Result r = failing("spawn", "agent", "--team", team, "-n", "w", "--runtime", "process");
    assertThat(r.err().strip())
        .isEqualTo("Error: Agent 'w' has no command: give it a command or a profile, or set the"
            + " default_profile setting to a profile's name (on the command line: --agent-cmd"
            + " PROGRAM, --profile NAME, or nemospawn config set default_profile VALUE)");
    Path agents = dir.resolve("teams").resolve(team).resolve("agents");
    if (Files.exists(agents)) {
      try (var s = Files.list(agents)) {
        assertThat(s.filter(f -> f.toString().endsWith(".json")).toList()).isEmpty();
      }
    }
  }

  @Test
  void theWorkspaceSettingAlwaysWithoutRepoNamesRepoAndTheConfigLine() {
    assertThat(cli.run("config", "set", "workspace", "always").code()).isZero();
    Cli.Result r = failing(
        "spawn", "agent", "--team", team, "-n", "w", "--runtime", "process", "--agent-cmd", "true");
    assertThat(r.err().strip())
        .isEqualTo("Error: The workspace setting is 'always' but agent 'w' has no repository;"
            + " give it a git repository, or set workspace to 'auto' (on the command line:"
            + " --repo PATH, or nemospawn config set workspace VALUE)");
    Path plain = dir.resolve("plain");
    r = failing(
        "spawn",
        "agent",
        "--team",
        team,
        "-n",
        "w",
        "--runtime",
        "process",
        "--repo",
        dir.toString(),
        "--agent-cmd",
        "true");
    assertThat(r.err())
        .contains("The repository " + dir + " of agent 'w' is not inside a git repository")
        .contains("(on the command line: --repo PATH, or nemospawn config set workspace VALUE)");
    assertThat(plain).doesNotExist();
  }

  @Test
  void aFlagTheCommandLacksIsNotSuggested() {
    Cli.Result r = failing("config", "set", "data_dir", "/elsewhere");
    assertThat(r.err().strip())
        .isEqualTo("Error: data_dir cannot be stored in config.json, which lives inside it; set"
            + " NEMOSPAWN_DATA_DIR instead (on the command line: --data-dir DIR)");
    r = failing("plan", "submit", "--team", team, "--agent", "lead", "--title", "");
    assertThat(r.err().strip())
        .isEqualTo("Error: A plan needs a title; '' is blank, give a non-empty title"
            + " (on the command line: --title TEXT)");
  }

  @Test
  void aRemedyOfTheLibraryGetsItsCommandLine() {
    Cli.Result r = failing("task", "show", "task-00000000", "--team", team);
    assertThat(r.err().strip())
        .isEqualTo("Error: No task 'task-00000000' in team " + team + "; list the tasks with"
            + " Tasks.list() (on the command line: nemospawn task list --team " + team + ")");
    r = failing("plan", "show", "plan-00000000", "--team", team);
    assertThat(r.err().strip())
        .isEqualTo("Error: No plan 'plan-00000000' in team " + team + "; plans: none (submit one"
            + " with Plans.submit) (on the command line: nemospawn plan submit --team " + team
            + " --agent AGENT --title T)");
    r = failing("artifact", "show", team, "art-00000000");
    assertThat(r.err().strip())
        .isEqualTo("Error: No artifact 'art-00000000' in team " + team + "; artifacts: none"
            + " (register one with Artifacts.register) (on the command line: nemospawn artifact"
            + " register " + team + " PATH --type T)");
    String a = cli.id("task", "create", "--title", "a", "--team", team, "--owner", "w1");
    r = failing("task", "claim", a, "--agent", "w2", "--team", team);
    assertThat(r.err().strip())
        .isEqualTo("Error: Cannot claim task " + a + " for w2: it is assigned to w1; reassign it"
            + " to w2 first (Tasks.update) (on the command line: nemospawn task update " + team
            + " " + a + " --owner w2)");
  }

  @Test
  void aHintWithoutRemedyOrSettingAddsNothing() {
    Cli.Result r = failing("task", "update", "task-00000000", "--status", "done", "--team", "nope");
    assertThat(r.err()).startsWith("Error: No team 'nope' in " + dir + "; teams: " + team + "\n");
    assertThat(ErrorHandler.remedy(io.nemospawn.Remedied.Remedy.of(
            io.nemospawn.Remedied.Action.CREATE_STUDY, "sweep", "")))
        .isEqualTo("nemospawn hpo init --study sweep --hpo-file F");
  }
}
