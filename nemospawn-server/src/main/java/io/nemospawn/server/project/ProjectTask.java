package io.nemospawn.server.project;

import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One task of a planned project as given by a user or a planner: an id that becomes part of a git
 * branch name, a title, the prompt the worker agent gets, the ids of the tasks it depends on and
 * its acceptance criteria. Immutable; validated as a whole graph by {@link ProjectGraph#validate}.
 *
 * @param taskId the task's id inside the project, e.g. {@code T-001} or {@code api}
 * @param title a short title
 * @param prompt what the worker is asked to do
 * @param dependsOn ids of tasks that must be completed first
 * @param acceptanceCriteria what the result must satisfy (may be empty)
 * @param integration whether this is the integration task (merges every other task's branch)
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record ProjectTask(
    String taskId,
    String title,
    String prompt,
    List<String> dependsOn,
    List<String> acceptanceCriteria,
    boolean integration) {
  /** Copies the lists; the graph is validated by {@link ProjectGraph#validate}. */
  public ProjectTask {
    Objects.requireNonNull(taskId, "taskId");
    title = title == null ? "" : title;
    prompt = prompt == null ? "" : prompt;
    dependsOn = List.copyOf(dependsOn);
    acceptanceCriteria = List.copyOf(acceptanceCriteria);
  }

  /**
   * An implementation task.
   *
   * @param taskId the id
   * @param title the title
   * @param prompt the prompt
   * @param dependsOn ids of the tasks it depends on
   * @return the task
   */
  public static ProjectTask of(String taskId, String title, String prompt, String... dependsOn) {
    return new ProjectTask(taskId, title, prompt, List.of(dependsOn), List.of(), false);
  }
}
