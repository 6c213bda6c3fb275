package io.nemospawn.spi;

import io.nemospawn.task.Task;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.apiguardian.api.API;

/**
 * Reacts to task updates of every team, whoever makes them: a Java caller of {@link
 * io.nemospawn.task.Tasks#update}, the CLI, a control plane. nemospawn-hpo provides one that
 * carries a task's {@code val_loss} into its linked HPO trial. Found with {@link ServiceLoader}
 * (a {@code META-INF/services/io.nemospawn.spi.TaskHook} file); the runtime calls every hook on
 * the class path for every {@link io.nemospawn.task.Tasks#update} (and so {@code complete},
 * {@code fail} and {@code cancel}), not for the dependents an update settles. For module
 * authors.
 *
 * <p>Failure semantics:
 *
 * <ul>
 *   <li>{@link #check} runs under the team's graph lock before anything is written. An exception
 *       refuses the update: nothing is saved, and the exception reaches the caller unchanged.
 *   <li>{@link #updated} runs after the update is saved and the lock released. The update stays
 *       saved whatever a hook does; the other hooks still run; the first exception then reaches
 *       the caller unchanged (the others suppressed), so the caller knows the effect did not
 *       happen while {@link io.nemospawn.task.Tasks#get} shows the saved task. A process that
 *       dies between the save and the hook leaves the task saved and the hook's effect undone.
 * </ul>
 *
 * <p>Implementations must be thread-safe and safe across processes, and should be quick: {@link
 * #check} holds the graph lock.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface TaskHook {

  /** Returns every hook on the class path, in ServiceLoader order; empty when there is none. */
  static List<TaskHook> all() {
    List<TaskHook> found = new ArrayList<>();
    ServiceLoader.load(TaskHook.class, TaskHook.class.getClassLoader()).forEach(found::add);
    if (found.isEmpty()) {
      ServiceLoader.load(TaskHook.class).forEach(found::add);
    }
    return List.copyOf(found);
  }

  /**
   * Checks an update before it is saved; throwing refuses it and nothing is saved. Does nothing
   * by default.
   *
   * @param dataDir the data directory of the team
   * @param current the task as saved now
   * @param proposed the task as the update would save it
   * @param update the update as given
   */
  default void check(Path dataDir, Task current, Task proposed, TaskUpdate update) {}

  /**
   * Acts on a saved update. Does nothing by default.
   *
   * @param dataDir the data directory of the team
   * @param before the task before the update
   * @param after the task as saved
   * @param update the update as given
   */
  default void updated(Path dataDir, Task before, Task after, TaskUpdate update) {}
}
