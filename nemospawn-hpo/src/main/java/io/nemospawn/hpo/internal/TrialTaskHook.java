package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.TaskTrials;
import io.nemospawn.spi.TaskHook;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Links task updates to HPO trials for every caller ({@link TaskTrials}). Before an update is
 * saved it refuses a malformed link, an invalid study name, an invalid {@value Hpo#TASK_STEP_KEY},
 * and a study that does not exist when the update would report to it; after the update is saved
 * it carries the task's {@code val_loss} (or its failure) into the trial. A task without a trial
 * is left alone, whatever its {@value Hpo#TASK_STEP_KEY}. Registered in {@code
 * META-INF/services/io.nemospawn.spi.TaskHook}. Stateless, thread-safe.
 */
public final class TrialTaskHook implements TaskHook {

  /** Creates the hook; called by {@link java.util.ServiceLoader}. */
  public TrialTaskHook() {}

  @Override
  public void check(Path dataDir, Task current, Task proposed, TaskUpdate update) {
    boolean linkChanges = update.metadata().containsKey(Hpo.TASK_STUDY_KEY)
        || update.metadata().containsKey(Hpo.TASK_TRIAL_KEY);
    boolean applies = applies(current, proposed, update);
    if (!linkChanges && !applies) {
      return;
    }
    Optional<TaskTrials.Link> link = TaskTrials.link(proposed);
    if (link.isPresent()) {
      step(proposed.id(), update); // without a trial, the step goes nowhere, as before
    }
    boolean opens = proposed.valLoss().isPresent()
        || proposed.state() == TaskState.FAILED
        || proposed.state() == TaskState.CANCELLED;
    if (link.isPresent() && applies && opens) {
      Hpo.requireStudy(dataDir, link.get().study());
    }
  }

  @Override
  public void updated(Path dataDir, Task before, Task after, TaskUpdate update) {
    if (applies(before, after, update) && TaskTrials.link(after).isPresent()) {
      TaskTrials.apply(dataDir, after, step(after.id(), update));
    }
  }

  /** Whether the update reports to a linked trial: it records a val_loss or changes the state. */
  private static boolean applies(Task before, Task after, TaskUpdate update) {
    return update.metadata().get("val_loss") != null || after.state() != before.state();
  }

  private static OptionalInt step(String taskId, TaskUpdate update) {
    Object step = update.metadata().get(Hpo.TASK_STEP_KEY);
    if (step == null) {
      return OptionalInt.empty();
    }
    if (step instanceof Number n
        && n.doubleValue() == Math.rint(n.doubleValue())
        && n.doubleValue() >= 0
        && n.doubleValue() <= Integer.MAX_VALUE) {
      return OptionalInt.of(n.intValue());
    }
    throw new IllegalArgumentException("Task " + taskId + " has an invalid " + Hpo.TASK_STEP_KEY
        + ": " + step + "; use a whole number >= 0");
  }
}
