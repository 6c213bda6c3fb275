package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.task.Lease;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskTrialsTest {
  private static final String TOML = """
      [search_space]
      lr = { type = "loguniform", low = 1e-4, high = 1e-1 }
      [objective]
      metric = "val_loss"
      direction = "minimize"
      [budget]
      max_trials = 20
      """;

  @TempDir
  Path dataDir;

  private static Task task(TaskState state, Map<String, Object> metadata) {
    Instant t = Instant.parse("2026-11-21T19:00:00Z");
    return new Task(
        "task-00000001",
        "team-00000001",
        "train",
        "",
        "w",
        state,
        List.of(),
        metadata,
        Lease.none(),
        t,
        t);
  }

  private static Map<String, Object> link(int trial, Double valLoss) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(Hpo.TASK_STUDY_KEY, "sweep");
    m.put(Hpo.TASK_TRIAL_KEY, trial);
    if (valLoss != null) {
      m.put("val_loss", valLoss);
    }
    return m;
  }

  @Test
  void runningTaskReportsIntermediateValuesAtNextStepAndDoneTaskCompletesTheTrial() {
    int trial;
    try (Study s = Hpo.create(dataDir, "sweep", HpoConfig.parse(TOML, "t.toml"))) {
      trial = s.ask().number();
    }
    var first =
        TaskTrials.apply(dataDir, task(TaskState.RUNNING, link(trial, 0.9)), OptionalInt.empty());
    var second =
        TaskTrials.apply(dataDir, task(TaskState.RUNNING, link(trial, 0.7)), OptionalInt.empty());
    var at10 =
        TaskTrials.apply(dataDir, task(TaskState.RUNNING, link(trial, 0.6)), OptionalInt.of(10));
    assertThat(first.orElseThrow().step()).isZero();
    assertThat(second.orElseThrow().step()).isEqualTo(1);
    assertThat(at10.orElseThrow().step()).isEqualTo(10);
    assertThat(at10.get().state()).isEqualTo(TrialState.RUNNING);
    var done =
        TaskTrials.apply(dataDir, task(TaskState.DONE, link(trial, 0.5)), OptionalInt.empty());
    assertThat(done.orElseThrow().state()).isEqualTo(TrialState.COMPLETE);
    try (Study s = Hpo.open(dataDir, "sweep")) {
      FrozenTrial t = s.trial(trial);
      assertThat(t.intermediateValues())
          .containsEntry(0, 0.9)
          .containsEntry(1, 0.7)
          .containsEntry(10, 0.6);
      assertThat(t.value()).hasValue(0.5);
    }
    // A finished trial is left as it is.
    var again =
        TaskTrials.apply(dataDir, task(TaskState.DONE, link(trial, 0.1)), OptionalInt.empty());
    assertThat(again.orElseThrow().state()).isEqualTo(TrialState.COMPLETE);
    try (Study s = Hpo.open(dataDir, "sweep")) {
      assertThat(s.trial(trial).value()).hasValue(0.5);
    }
  }

  @Test
  void failedTaskFailsItsTrialAndUnlinkedTasksAreIgnored() {
    int trial;
    try (Study s = Hpo.create(dataDir, "sweep", HpoConfig.parse(TOML, "t.toml"))) {
      trial = s.ask().number();
    }
    assertThat(TaskTrials.apply(
                dataDir, task(TaskState.FAILED, link(trial, null)), OptionalInt.empty())
            .orElseThrow()
            .state())
        .isEqualTo(TrialState.FAIL);
    assertThat(TaskTrials.apply(
            dataDir, task(TaskState.RUNNING, Map.of("val_loss", 0.3)), OptionalInt.empty()))
        .isEmpty();
  }

  @Test
  void malformedLinksAndUnknownStudiesAreClearErrors() {
    // A study alone (launch tags every task of a team with it) is no link to a trial.
    assertThat(TaskTrials.link(task(TaskState.RUNNING, Map.of(Hpo.TASK_STUDY_KEY, "sweep"))))
        .isEmpty();
    assertThatThrownBy(
            () -> TaskTrials.link(task(TaskState.RUNNING, Map.of(Hpo.TASK_TRIAL_KEY, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Task task-00000001 has a malformed HPO link: hpo_study=null, hpo_trial=3;"
            + " set both metadata keys, a study name and a trial number, e.g. hpo_study=sweep"
            + " and hpo_trial=3");
    assertThatThrownBy(() ->
            TaskTrials.apply(dataDir, task(TaskState.RUNNING, link(0, 0.5)), OptionalInt.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("No study 'sweep' under ");
  }
}
