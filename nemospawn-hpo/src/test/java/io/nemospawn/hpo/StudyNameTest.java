package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.task.Lease;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study name becomes a file name: it is checked before any file is touched. */
class StudyNameTest {
  private static final String RULE =
      "; use 1-128 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

  @TempDir
  Path dir;

  private List<Path> tree() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).sorted().toList();
    }
  }

  private static HpoConfig config() {
    return HpoConfig.parse(
        "[search_space]\nlr = { type = \"uniform\", low = 0.0, high = 1.0 }\n", "t.toml");
  }

  @Test
  void createOpenAndStorageRefuseNamesThatAreNotNamesAndTouchNothing() throws Exception {
    Path data = dir.resolve("a/b/data");
    Map<String, String> bad = Map.of(
        "../../x", "it contains '..'",
        "/elsewhere/abs", "character '/' (a path separator) at position 0 is not allowed",
        "", "it is empty",
        "n/e/s/t", "character '/' (a path separator) at position 1 is not allowed",
        "..", "it contains '..'",
        ".hidden", "it must start with a letter or digit");
    for (var e : bad.entrySet()) {
      String expected = "Invalid HPO study name '" + e.getKey() + "': " + e.getValue() + RULE;
      assertThatThrownBy(() -> Hpo.create(data, e.getKey(), config()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(expected);
      assertThatThrownBy(() -> Hpo.open(data, e.getKey()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(expected);
      assertThatThrownBy(() -> StudyStorage.forDataDir(data, e.getKey()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(expected);
      assertThat(tree()).as(e.getKey()).isEmpty();
    }
  }

  @Test
  void openingAMissingStudyCreatesNoFileOrDirectory() throws Exception {
    assertThatThrownBy(() -> Hpo.open(dir, "nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No study 'nope' under " + dir.resolve("hpo")
            + ". Create it with Hpo.create(dataDir, \"nope\", config).");
    assertThat(tree()).isEmpty();
    try (Study s = Hpo.create(dir, "sweep", config())) {
      assertThat(Hpo.storageFile(dir, "sweep")).isEqualTo(dir.resolve("hpo/sweep.journal"));
    }
    List<Path> after = tree();
    assertThatThrownBy(() -> Hpo.open(dir, "other")).isInstanceOf(IllegalArgumentException.class);
    assertThat(tree()).isEqualTo(after);
  }

  @Test
  void taskLinkWithABadStudyNameIsRefusedBeforeAnyFileIsTouched() throws Exception {
    Instant t = Instant.parse("2026-11-21T19:00:00Z");
    Task task = new Task(
        "task-00000001",
        "team-00000001",
        "train",
        "",
        "w",
        TaskState.RUNNING,
        List.of(),
        Map.of(
            Hpo.TASK_STUDY_KEY,
            dir.resolve("x").toString(),
            Hpo.TASK_TRIAL_KEY,
            0,
            "val_loss",
            0.5),
        Lease.none(),
        t,
        t);
    String expected = "Task task-00000001 has an invalid hpo_study: Invalid HPO study name '"
        + dir.resolve("x") + "': character '/' (a path separator) at position 0 is not allowed"
        + RULE;
    assertThatThrownBy(() -> TaskTrials.link(task))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(expected);
    assertThatThrownBy(() -> TaskTrials.apply(dir.resolve("data"), task, OptionalInt.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(expected);
    assertThat(tree()).isEmpty();
  }
}
