package io.nemospawn;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Raised by waits that require success when a task ends {@code failed} or {@code cancelled}.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class TaskFailedException extends NemoSpawnException {
  private static final long serialVersionUID = 1L;
  private final String task;
  private final String agent;

  public TaskFailedException(String task, String agent, String message) {
    super(message, null);
    this.task = Objects.requireNonNull(task, "task");
    this.agent = agent == null ? "" : agent;
  }

  /** Returns the id of the task. */
  public String task() {
    return task;
  }

  /** Returns the id of the agent that owned the task, or an empty string. */
  public String agent() {
    return agent;
  }
}
