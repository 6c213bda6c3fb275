package io.nemospawn.hpo;

import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.apiguardian.api.API;

/**
 * Links a task to the HPO trial its agent runs, so that agent-run experiments steer TPE and ASHA.
 * The link is task metadata: {@value Hpo#TASK_STUDY_KEY} (study name) and {@value
 * Hpo#TASK_TRIAL_KEY} (trial number). {@link #apply} carries a task's {@code val_loss} into its
 * trial: an intermediate report while the task runs (answering whether to prune), the final
 * value when it is done, a failure when it failed or was cancelled.
 *
 * <p>This module registers a {@link io.nemospawn.spi.TaskHook} that does this on every {@code
 * Tasks.update} of every team, whoever calls it (Java, the CLI, a control plane): before saving
 * it refuses a malformed link, or a missing study the update would report to; after saving it
 * calls {@link #apply}, at the step given by the update's {@value Hpo#TASK_STEP_KEY} entry. So a
 * caller only updates the task:
 *
 * <pre>{@code
 * team.tasks().update(id, TaskUpdate.none().withValLoss(0.42).withMetadata(Hpo.TASK_STEP_KEY, step));
 * boolean pruned = Hpo.open(ns.dataDir(), "sweep").trial(trial).state() == TrialState.PRUNED;
 * }</pre>
 *
 * <p>Call {@link #apply} yourself only for a task that is not saved through {@code
 * Tasks.update}; calling it after an update reports the value twice.
 *
 * <p>Thread-safe and safe across processes: every call opens the study's storage, which holds
 * its own locks.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class TaskTrials {
  private TaskTrials() {}

  /**
   * A task's trial.
   *
   * @param study the study name
   * @param trial the trial number
   */
  public record Link(String study, int trial) {}

  /**
   * What applying a task's value did.
   *
   * @param link the trial
   * @param step the step reported, or -1 for a final value
   * @param prune whether the pruner stopped the trial (it is now PRUNED)
   * @param state the trial's state afterwards
   */
  public record Outcome(Link link, int step, boolean prune, TrialState state) {}

  /**
   * Returns the trial a task is linked to, if its metadata names one.
   *
   * @throws IllegalArgumentException when the link is malformed or the study name is invalid,
   *     naming the fields
   */
  public static Optional<Link> link(Task task) {
    return link(task.id(), task.metadata());
  }

  /**
   * Returns the trial that task metadata links to, if it names one; lets a caller check metadata
   * before saving it. The study name must be a valid name ({@link
   * io.nemospawn.spi.StateFormat#requireName}), since it names the study's file.
   *
   * @param taskId the task, for messages
   * @throws IllegalArgumentException when the link is malformed or the study name is invalid,
   *     naming the fields
   */
  public static Optional<Link> link(String taskId, Map<String, Object> metadata) {
    Objects.requireNonNull(taskId, "taskId");
    Object study = metadata.get(Hpo.TASK_STUDY_KEY);
    Object trial = metadata.get(Hpo.TASK_TRIAL_KEY);
    if (trial == null && (study == null || study instanceof String)) {
      // No trial: at most the task's study (launch tags every task of a team with it), no link.
      if (study != null) {
        requireStudyName(taskId, (String) study);
      }
      return Optional.empty();
    }
    if (!(study instanceof String s)
        || s.isBlank()
        || !(trial instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.intValue() < 0) {
      throw new IllegalArgumentException(
          "Task " + taskId + " has a malformed HPO link: " + Hpo.TASK_STUDY_KEY + "=" + study
              + ", " + Hpo.TASK_TRIAL_KEY + "=" + trial
              + "; set both metadata keys, a study name and a trial number, e.g. "
              + Hpo.TASK_STUDY_KEY + "=sweep and " + Hpo.TASK_TRIAL_KEY + "=3");
    }
    requireStudyName(taskId, s);
    return Optional.of(new Link(s, n.intValue()));
  }

  private static void requireStudyName(String taskId, String study) {
    if (!StateFormat.isValidId(study)) {
      try {
        StateFormat.requireName("HPO study name", study);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "Task " + taskId + " has an invalid " + Hpo.TASK_STUDY_KEY + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Carries the task's {@code val_loss} into its linked trial. A running (or pending) task
   * reports an intermediate value at {@code step} (default: one past the trial's last step) and,
   * if the pruner says so, the trial is finished as PRUNED. A done task completes the trial with
   * its value; a failed or cancelled one fails it. A trial that has already finished is left as
   * it is.
   *
   * @return empty when the task has no link or no {@code val_loss}
   * @throws IllegalArgumentException when the study does not exist or the link is malformed
   *     (nothing is created then)
   */
  public static Optional<Outcome> apply(Path dataDir, Task task, OptionalInt step) {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(step, "step");
    Optional<Link> link = link(task);
    if (link.isEmpty()) {
      return Optional.empty();
    }
    Link l = link.get();
    boolean failed = task.state() == io.nemospawn.task.TaskState.FAILED
        || task.state() == io.nemospawn.task.TaskState.CANCELLED;
    if (task.valLoss().isEmpty() && !failed) {
      return Optional.empty();
    }
    try (Study study = Hpo.open(dataDir, l.study())) {
      FrozenTrial trial = study.trial(l.trial());
      if (trial.state() != TrialState.RUNNING) {
        return Optional.of(new Outcome(l, -1, false, trial.state()));
      }
      if (failed) {
        study.tell(l.trial(), TrialState.FAIL);
        return Optional.of(new Outcome(l, -1, false, TrialState.FAIL));
      }
      double value = task.valLoss().getAsDouble();
      if (task.state() == io.nemospawn.task.TaskState.DONE) {
        study.tell(l.trial(), value);
        return Optional.of(new Outcome(l, -1, false, study.trial(l.trial()).state()));
      }
      int s = step.isPresent() ? step.getAsInt() : trial.lastStep().orElse(-1) + 1;
      if (s < 0) {
        throw new IllegalArgumentException("Invalid step " + s + "; use a step >= 0");
      }
      boolean prune = study.report(l.trial(), s, value);
      if (prune) {
        study.tell(l.trial(), TrialState.PRUNED);
      }
      return Optional.of(new Outcome(l, s, prune, study.trial(l.trial()).state()));
    }
  }
}
