package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.cli.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to {@code nemospawn project}: clear errors naming the value, nothing written. */
class ProjectCommandTest {
  @TempDir
  Path dir;

  private Path repo() throws Exception {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo);
    for (String[] a : new String[][] {
      {"init", "-q", "-b", "main"}, {"commit", "-q", "--allow-empty", "-m", "init"}
    }) {
      String[] argv = new String[a.length + 7];
      System.arraycopy(
          new String[] {"git", "-c", "user.name=t", "-c", "user.email=t@l", "-C", repo.toString()},
          0,
          argv,
          0,
          7);
      System.arraycopy(a, 0, argv, 7, a.length);
      assertThat(new ProcessBuilder(argv).inheritIO().start().waitFor()).isZero();
    }
    return repo;
  }

  @Test
  void hostileTaskIdsCyclesAndUnknownDependenciesAreRefusedAndNothingIsWritten() throws Exception {
    Path data = dir.resolve("data");
    String team;
    try (NemoSpawn ns = NemoSpawn.open(data)) {
      team = ns.newTeam("workers").create().id();
    }
    Path repo = repo();
    Path tasks = dir.resolve("tasks.json");
    Files.writeString(
        tasks,
        "[{\"task_id\": \"../x\", \"title\": \"A\", \"prompt\": \"p\"},"
            + "{\"task_id\": \"$(id)\", \"title\": \"B\", \"prompt\": \"p\"},"
            + "{\"task_id\": \"c\", \"title\": \"C\", \"prompt\": \"p\", \"depends_on\": [\"zz\"]}]");
    Result r = Cli.execute(
        data,
        "project",
        "create",
        "--title",
        "T",
        "--repo",
        repo.toString(),
        "--team",
        team,
        "--tasks",
        tasks.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err())
        .contains(
            "invalid task id '../x'",
            "invalid task id '$(id)'",
            "task 'c' depends on unknown task 'zz'");
    Files.writeString(
        tasks,
        "[{\"task_id\": \"a\", \"title\": \"A\", \"prompt\": \"p\","
            + " \"depends_on\": [\"b\"]}, {\"task_id\": \"b\", \"title\": \"B\", \"prompt\": \"p\","
            + " \"depends_on\": [\"a\"]}]");
    r = Cli.execute(
        data,
        "project",
        "create",
        "--title",
        "T",
        "--repo",
        repo.toString(),
        "--team",
        team,
        "--tasks",
        tasks.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("the dependencies form a cycle: a -> b -> a");
    assertThat(data.resolve("projects")).doesNotExist();
    r = Cli.execute(data, "project", "show", "../x");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("Invalid project id '../x'");
    r = Cli.execute(data, "project", "show", "proj-00000000");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("Unknown project 'proj-00000000'; known projects: []");
    assertThat(Cli.execute(data, "project", "list", "--json").out().strip()).isEqualTo("[ ]");
  }
}
