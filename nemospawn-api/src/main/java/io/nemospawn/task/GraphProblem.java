package io.nemospawn.task;

import java.nio.file.Path;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One state of a team's task graph that its invariants forbid, found by {@link Tasks#check()}:
 * where it is, what is wrong and how to fix it.
 *
 * @param kind what kind of problem
 * @param path the file concerned (a task record, a journal entry, an index file)
 * @param taskId the task concerned, or {@code ""} when none
 * @param description what is wrong, naming the values involved
 * @param fix what to do about it
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record GraphProblem(Kind kind, Path path, String taskId, String description, String fix) {
  /** Validates. */
  public GraphProblem {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(fix, "fix");
  }

  /** The kinds of problem. */
  public enum Kind {
    /** A blocked task whose dependencies are all done: nothing would ever unblock it. */
    STRANDED_TASK,
    /** A multi-record operation that was interrupted (its journal entry is still there). */
    PENDING_JOURNAL,
    /** The dependents index disagrees with the tasks' {@code blocked_by}, or is unreadable. */
    INDEX_MISMATCH,
    /** A task record or journal entry that cannot be read. */
    CORRUPT_RECORD
  }

  @Override
  public String toString() {
    return kind + " " + path + ": " + description + "; " + fix;
  }
}
