package io.nemospawn.task;

import io.nemospawn.Listing;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * A team's task graph. Every operation is atomic across processes: completing a task and
 * unblocking its dependents, or claiming one, happens under the team's graph lock, so no update
 * is lost and no task is claimed twice. A completion that changes several records is also
 * crash-consistent: it is journaled first, and if the process dies part-way the next operation on
 * the team (or {@link #repair()}) finishes it.
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Tasks {
  /**
   * Creates a task. It starts {@code pending} when all its dependencies are done (or it has none),
   * else {@code blocked}.
   *
   * @throws NoSuchElementException naming a dependency that does not exist
   */
  Task create(TaskSpec spec);

  /** Creates a task with a title and no dependencies. */
  default Task create(String title) {
    return create(TaskSpec.of(title));
  }

  /**
   * Creates every task of a graph, atomically: either all are created or none.
   *
   * @return the created tasks by the graph's keys
   * @throws NoSuchElementException naming an existing-task dependency that does not exist
   */
  Map<String, Task> submit(TaskGraph graph);

  /**
   * Creates tasks in one batch, atomically: either all are created or none, also when the process
   * dies part-way (the next operation on the team removes what a dead batch wrote). Much cheaper
   * than one {@link #create} per task: one lock, one update of the dependents index per
   * dependency, one audit write, and in durability FSYNC one barrier for the whole batch instead
   * of two forced writes per task. Each spec may depend on existing tasks; for dependencies among
   * the new tasks, use {@link #submit}.
   *
   * @return the created tasks, in the order of {@code specs}
   * @throws NoSuchElementException naming a dependency that does not exist
   */
  default List<Task> createAll(List<TaskSpec> specs) {
    TaskGraph.Builder b = TaskGraph.builder();
    for (int i = 0; i < specs.size(); i++) {
      b.task(Integer.toString(i), specs.get(i));
    }
    Map<String, Task> made = submit(b.build());
    List<Task> out = new java.util.ArrayList<>(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      out.add(made.get(Integer.toString(i)));
    }
    return List.copyOf(out);
  }

  /**
   * Returns a task.
   *
   * @throws NoSuchElementException when there is no such task
   */
  Task get(String taskId);

  /** Returns a task if it exists. */
  Optional<Task> find(String taskId);

  /** Lists all tasks by creation time; unreadable files are in {@link Listing#problems()}. */
  Listing<Task> list();

  /** Lists the tasks in one state. */
  List<Task> list(TaskState state);

  /**
   * Applies an update: a state change (checked against {@link TaskState#allowedNext()}), owner,
   * metadata. Moving to {@code done} unblocks exactly the dependents whose dependencies are now
   * all done; moving to {@code failed} or {@code cancelled} applies the {@link FailurePolicy}.
   *
   * @throws IllegalStateException for an illegal transition, naming the allowed ones
   * @throws NoSuchElementException when there is no such task
   */
  Task update(String taskId, TaskUpdate update);

  /** Marks a task done (see {@link #update}). */
  default Task complete(String taskId) {
    return update(taskId, TaskUpdate.of(TaskState.DONE));
  }

  /** Marks a task failed, recording the reason in its metadata ({@code error}). */
  default Task fail(String taskId, String reason) {
    return update(taskId, TaskUpdate.of(TaskState.FAILED).withMetadata("error", reason));
  }

  /** Cancels a task. */
  default Task cancel(String taskId) {
    return update(taskId, TaskUpdate.of(TaskState.CANCELLED));
  }

  /**
   * Claims one task atomically: {@code pending → running} with {@code owner} and a lease. Of
   * many concurrent claimers exactly one wins.
   *
   * @throws IllegalStateException when the task is not pending, naming its state and owner
   */
  Task claim(String taskId, String owner, Duration lease);

  /**
   * Claims the oldest pending task that is unowned or owned by {@code owner}, if any.
   */
  Optional<Task> claimNext(String owner, Duration lease);

  /**
   * Extends the lease of a running task held by {@code owner}.
   *
   * @throws IllegalStateException when {@code owner} does not hold it
   */
  Task renew(String taskId, String owner, Duration lease);

  /**
   * Returns running tasks whose lease has expired to {@code pending}, clearing the owner.
   *
   * @return the tasks returned to pending
   */
  List<Task> reapExpiredLeases();

  /** Returns the policy applied to dependents of failed or cancelled tasks. */
  FailurePolicy failurePolicy();

  /** Sets the policy applied to dependents of failed or cancelled tasks (stored with the team). */
  void failurePolicy(FailurePolicy policy);

  /**
   * Checks the graph's invariants without changing anything: no blocked task whose dependencies
   * are all done, no interrupted operation left in the journal, a dependents index that agrees
   * with every task's {@code blocked_by}, and no unreadable task record. Reads every task file.
   *
   * @return the problems found, each with its file and fix; clean when there are none
   * @since 0.1
   */
  GraphCheck check();

  /**
   * Fixes what {@link #check()} finds and can be fixed: rolls interrupted operations forward,
   * rebuilds the dependents index when it disagrees with the tasks, and unblocks every blocked
   * task whose dependencies are all done. Idempotent; safe to run at any time.
   *
   * @return what was changed and what a check still finds (a corrupt record needs a person)
   * @since 0.1
   */
  GraphRepair repair();

  /**
   * Waits until the task has finished (done, failed or cancelled), driven by change events.
   *
   * @return false when the timeout passed first
   */
  boolean awaitFinished(String taskId, Duration timeout) throws InterruptedException;

  /**
   * Waits until the task is done, for callers that need its success: a task that ends {@code
   * failed} or {@code cancelled} raises {@link io.nemospawn.TaskFailedException}.
   *
   * @return true when the task is done; false when the timeout passed first
   * @throws io.nemospawn.TaskFailedException naming the task, its state and its owner when it
   *     ended failed or cancelled
   * @throws java.util.NoSuchElementException when there is no such task
   * @since 0.1
   */
  default boolean awaitDone(String taskId, Duration timeout) throws InterruptedException {
    if (!awaitFinished(taskId, timeout)) {
      return false;
    }
    Task t = get(taskId);
    if (t.state() == TaskState.DONE) {
      return true;
    }
    throw new io.nemospawn.TaskFailedException(
        t.id(),
        t.owner(),
        "Task " + t.id() + " ('" + t.title() + "') ended "
            + t.state().name().toLowerCase(java.util.Locale.ROOT)
            + (t.owner().isEmpty() ? "" : " (owner " + t.owner() + ")")
            + " instead of done");
  }

  /**
   * Waits until every task of the collection has finished.
   *
   * @return false when the timeout passed first
   */
  boolean awaitAllFinished(Collection<String> taskIds, Duration timeout)
      throws InterruptedException;
}
