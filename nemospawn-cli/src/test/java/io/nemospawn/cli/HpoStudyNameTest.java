package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.cli.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** Study names reach the file system only once checked; read-only commands create nothing. */
class HpoStudyNameTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String RULE =
      "; use 1-128 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit\n";

  private static Result run(String... args) {
    return Cli.execute(args);
  }

  private static List<Path> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root)).sorted().toList();
    }
  }

  private static Path hpoFile(Path dir) throws IOException {
    Path f = dir.resolve("ok.toml");
    Files.writeString(f, """
        [search_space]
        lr = { type = "loguniform", low = 1e-5, high = 1e-1 }
        [objective]
        metric = "val_loss"
        direction = "minimize"
        """);
    return f;
  }

  @Test
  void everyHpoCommandRefusesATraversingAbsoluteEmptyOrNestedStudyNameAndCreatesNothing(
      @TempDir Path dir) throws Exception {
    Path root = dir.resolve("root");
    Path data = root.resolve("a/b/c/data");
    Files.createDirectories(data);
    Path toml = hpoFile(dir);
    Path elsewhere = dir.resolve("elsewhere");
    String[][] names = {
      {"../../../../xs", "it contains '..'"},
      {elsewhere + "/abs-study", "character '/' (a path separator) at position 0 is not allowed"},
      {"", "it is empty"},
      {"a/b", "character '/' (a path separator) at position 1 is not allowed"},
      {"..", "it contains '..'"},
    };
    for (String[] n : names) {
      String study = n[0];
      String d = data.toString();
      List<String[]> commands = List.of(
          new String[] {
            "hpo", "init", "--study", study, "--hpo-file", toml.toString(), "--data-dir", d
          },
          new String[] {"hpo", "suggest", "--study", study, "--data-dir", d},
          new String[] {"hpo", "best", "--study", study, "--data-dir", d},
          new String[] {"hpo", "trials", "--study", study, "--data-dir", d},
          new String[] {
            "hpo",
            "report",
            "--study",
            study,
            "--trial",
            "0",
            "--step",
            "0",
            "--val-loss",
            "1",
            "--data-dir",
            d
          },
          new String[] {"hpo", "dashboard", "--study", study, "--data-dir", d});
      for (String[] args : commands) {
        Result r = run(args);
        assertThat(r.code())
            .as("%s: %s", String.join(" ", args), r.err())
            .isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err())
            .as(String.join(" ", args))
            .isEqualTo("Error: Invalid HPO study name '" + study + "': " + n[1] + RULE);
        assertThat(tree(root))
            .as(String.join(" ", args))
            .containsExactly(root.resolve("a"), root.resolve("a/b"), root.resolve("a/b/c"), data);
        assertThat(elsewhere).doesNotExist();
        assertThat(dir.resolve("xs.db")).doesNotExist();
      }
    }
  }

  @Test
  void readOnlyCommandsOnAMissingStudyCreateNoFileOrDirectory(@TempDir Path dir) throws Exception {
    String d = dir.toString();
    for (String sub : List.of("suggest", "best", "trials")) {
      Result r = run("hpo", sub, "--study", "nope", "--data-dir", d);
      assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.err())
          .isEqualTo("Error: No study 'nope' under " + dir.resolve("hpo")
              + ". Create it with Hpo.create(dataDir, \"nope\", config). On the command line:"
              + " nemospawn hpo init --study nope --hpo-file F.\n");
      assertThat(tree(dir)).as(sub).isEmpty();
    }
    Result r = run(
        "hpo",
        "report",
        "--study",
        "nope",
        "--trial",
        "0",
        "--step",
        "0",
        "--val-loss",
        "1",
        "--data-dir",
        d);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(tree(dir)).isEmpty();
  }

  @Test
  void taskUpdateRefusesABadStudyInMetadataBeforeSavingAnything(@TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("data");
    String d = data.toString();
    assertThat(run("team", "create", "lab", "--data-dir", d).code()).isZero();
    Result created =
        run("task", "create", "--title", "train", "--team", "lab", "--data-dir", d, "--json");
    assertThat(created.code()).as(created.err()).isZero();
    String task = JSON.readTree(created.out()).get("task_id").asString();
    Path elsewhere = dir.resolve("elsewhere");
    String before =
        run("task", "show", task, "--team", "lab", "--data-dir", d, "--json").out();
    List<Path> filesBefore = tree(dir);

    Result bad = run(
        "task",
        "update",
        task,
        "--metadata",
        "hpo_study=" + elsewhere + "/x",
        "--metadata",
        "hpo_trial=0",
        "--val-loss",
        "0.5",
        "--status",
        "running",
        "--team",
        "lab",
        "--data-dir",
        d);
    assertThat(bad.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(bad.err())
        .isEqualTo("Error: Task " + task + " has an invalid hpo_study: Invalid HPO study name '"
            + elsewhere + "/x': character '/' (a path separator) at position 0 is not allowed"
            + RULE);
    assertThat(elsewhere).doesNotExist();
    assertThat(Path.of(elsewhere + "/x.db")).doesNotExist();
    assertThat(run("task", "show", task, "--team", "lab", "--data-dir", d, "--json")
            .out())
        .isEqualTo(before);

    Result missing = run(
        "task",
        "update",
        task,
        "--metadata",
        "hpo_study=ghost",
        "--metadata",
        "hpo_trial=0",
        "--val-loss",
        "0.5",
        "--team",
        "lab",
        "--data-dir",
        d);
    assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(missing.err())
        .isEqualTo("Error: No study 'ghost' under " + data.resolve("hpo")
            + ". Create it with Hpo.create(dataDir, \"ghost\", config). On the command line:"
            + " nemospawn hpo init --study ghost --hpo-file F.\n");
    assertThat(run("task", "show", task, "--team", "lab", "--data-dir", d, "--json")
            .out())
        .isEqualTo(before);
    assertThat(data.resolve("hpo")).doesNotExist();
    assertThat(tree(dir)).isEqualTo(filesBefore);
  }
}
