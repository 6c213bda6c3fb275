package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.TaskHook;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import io.nemospawn.task.Tasks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task → trial link is a library hook: a Java caller that only updates its task through
 * {@code team.tasks()} reaches the HPO trial, with no call to {@link TaskTrials}.
 */
class TaskHookTest {
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

  private NemoSpawn ns;
  private Tasks tasks;

  @BeforeEach
  void open() {
    ns = NemoSpawn.open(dataDir);
    Team team = ns.newTeam("sweep").create();
    tasks = team.tasks();
  }

  @AfterEach
  void close() {
    ns.close();
  }

  private int newTrial() {
    try (Study s = java.nio.file.Files.isRegularFile(Hpo.storageFile(dataDir, "sweep"))
        ? Hpo.open(dataDir, "sweep")
        : Hpo.create(dataDir, "sweep", HpoConfig.parse(TOML, "t.toml"))) {
      return s.ask().number();
    }
  }

  private Task linkedTask(int trial) {
    Task t = tasks.create(new TaskSpec(
        "train",
        "",
        "w",
        java.util.List.of(),
        Map.of(Hpo.TASK_STUDY_KEY, "sweep", Hpo.TASK_TRIAL_KEY, trial)));
    return tasks.claim(t.id(), "w", Duration.ofMinutes(5));
  }

  private FrozenTrial trial(int n) {
    try (Study s = Hpo.open(dataDir, "sweep")) {
      return s.trial(n);
    }
  }

  @Test
  void theHpoHookIsFoundOnTheClassPath() {
    assertThat(TaskHook.all())
        .hasAtLeastOneElementOfType(io.nemospawn.hpo.internal.TrialTaskHook.class);
  }

  @Test
  void javaUpdatesOfValLossReachTheTrialAndCompletionCompletesIt() {
    int n = newTrial();
    Task t = linkedTask(n);

    tasks.update(t.id(), TaskUpdate.none().withValLoss(0.9));
    tasks.update(t.id(), TaskUpdate.none().withValLoss(0.7).withMetadata(Hpo.TASK_STEP_KEY, 10));
    assertThat(trial(n).intermediateValues()).containsEntry(0, 0.9).containsEntry(10, 0.7);
    assertThat(trial(n).state()).isEqualTo(TrialState.RUNNING);

    tasks.update(t.id(), TaskUpdate.state(TaskState.DONE).withValLoss(0.5));
    assertThat(trial(n).state()).isEqualTo(TrialState.COMPLETE);
    assertThat(trial(n).value()).hasValue(0.5);
  }

  @Test
  void failingTheTaskFailsTheTrial() {
    int n = newTrial();
    Task t = linkedTask(n);
    tasks.fail(t.id(), "OOM");
    assertThat(trial(n).state()).isEqualTo(TrialState.FAIL);
  }

  @Test
  void aMissingStudyRefusesTheUpdateBeforeAnythingIsSaved() {
    Task t = tasks.get(linkedTask(0).id()); // as saved; no study "sweep" exists
    assertThatThrownBy(() -> tasks.update(t.id(), TaskUpdate.none().withValLoss(0.4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sweep");
    assertThat(tasks.get(t.id())).isEqualTo(t);
  }

  @Test
  void aMalformedLinkOrStepIsRefusedAndNothingIsSaved() {
    newTrial();
    Task t = tasks.create("train");
    assertThatThrownBy(
            () -> tasks.update(t.id(), TaskUpdate.none().withMetadata(Hpo.TASK_TRIAL_KEY, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed HPO link");
    Task linked = linkedTask(0);
    assertThatThrownBy(() -> tasks.update(
            linked.id(), TaskUpdate.none().withValLoss(0.4).withMetadata(Hpo.TASK_STEP_KEY, -1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Hpo.TASK_STEP_KEY)
        .hasMessageContaining("-1");
    assertThat(tasks.get(t.id()).metadata()).doesNotContainKey(Hpo.TASK_TRIAL_KEY);
    assertThat(tasks.get(linked.id()).valLoss()).isEmpty();
    assertThat(trial(0).intermediateValues()).isEmpty();
  }

  @Test
  void aHookFailureAfterTheSaveReachesTheCallerAndTheUpdateStaysSaved() {
    newTrial(); // trial 0 exists, trial 7 does not
    Task t = linkedTask(7);
    assertThatThrownBy(() -> tasks.update(t.id(), TaskUpdate.none().withValLoss(0.4)))
        .hasMessageContaining("7");
    assertThat(tasks.get(t.id()).valLoss()).hasValue(0.4);
  }

  @Test
  void tasksWithoutALinkAreLeftAlone() {
    Task t = tasks.create("plain");
    Task done = tasks.update(
        t.id(),
        TaskUpdate.state(TaskState.RUNNING).withValLoss(0.3).withMetadata(Hpo.TASK_STEP_KEY, -1));
    assertThat(done.valLoss()).hasValue(0.3);
    assertThat(Hpo.storageFile(dataDir, "sweep")).doesNotExist();
  }
}
