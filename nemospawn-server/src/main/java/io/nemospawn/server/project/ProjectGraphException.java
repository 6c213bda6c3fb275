package io.nemospawn.server.project;

import java.util.List;
import org.apiguardian.api.API;

/**
 * Thrown when a project's task list is not a valid graph: each problem names the value (the task
 * id, the unknown dependency, the cycle) and what to do. Nothing was written when it is thrown.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class ProjectGraphException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  ProjectGraphException(List<String> problems) {
    super("Invalid project task graph: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * Every problem found, in task order.
   *
   * @return the problems, never empty
   */
  public List<String> problems() {
    return problems;
  }
}
