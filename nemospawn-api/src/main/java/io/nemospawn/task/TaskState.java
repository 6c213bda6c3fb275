package io.nemospawn.task;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * The states of a task and the transitions allowed between them.
 *
 * <pre>
 * blocked ─(dependencies done)→ pending ─claim/start→ running ─→ done | failed
 * any unfinished state ─cancel→ cancelled;  running ─(lease lost)→ pending;  failed → pending (retry)
 * </pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum TaskState {
  /** Ready to be claimed: every dependency is done. */
  PENDING,
  /** Waiting for at least one dependency. */
  BLOCKED,
  /** Claimed by an agent. */
  RUNNING,
  /** Finished successfully. */
  DONE,
  /** Finished unsuccessfully. */
  FAILED,
  /** Withdrawn. */
  CANCELLED;

  /** Returns the name written in task files: {@code pending}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Returns whether the task has finished (done, failed or cancelled). */
  public boolean isFinished() {
    return this == DONE || this == FAILED || this == CANCELLED;
  }

  /** Returns the states this state may move to. */
  public Set<TaskState> allowedNext() {
    switch (this) {
      case PENDING:
        return EnumSet.of(RUNNING, DONE, FAILED, CANCELLED, BLOCKED);
      case BLOCKED:
        return EnumSet.of(PENDING, FAILED, CANCELLED);
      case RUNNING:
        return EnumSet.of(DONE, FAILED, CANCELLED, PENDING);
      case FAILED:
        return EnumSet.of(PENDING, CANCELLED);
      case DONE:
      case CANCELLED:
      default:
        return EnumSet.noneOf(TaskState.class);
    }
  }

  /** Returns whether moving from this state to {@code next} is allowed. */
  public boolean canMoveTo(TaskState next) {
    return allowedNext().contains(next);
  }

  /**
   * Parses a wire name ({@code running}) or enum name, also the reference tool's {@code
   * in_progress}/{@code completed} aliases.
   *
   * @throws IllegalArgumentException listing the valid names
   */
  public static TaskState parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "in_progress":
      case "in-progress":
        return RUNNING;
      case "completed":
      case "complete":
        return DONE;
      case "canceled":
        return CANCELLED;
      default:
        for (TaskState s : values()) {
          if (s.wireName().equals(t)) {
            return s;
          }
        }
        throw new IllegalArgumentException("Unknown task status '" + text
            + "'; use one of pending, blocked, running, done, failed, cancelled");
    }
  }
}
