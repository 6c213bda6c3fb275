package io.nemospawn.core.internal.agent;

import io.nemospawn.core.internal.Failures;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The one place a failed spawn is rolled back: each step registers how to undo what it just did
 * (the GPU lease, the worktree, the started process), right after doing it; {@link #rollback}
 * runs the undos in reverse order, every one even when another fails, and adds their failures to
 * the spawn's failure as suppressed. After {@link #commit()} nothing is undone. Not thread-safe:
 * one per spawn.
 */
final class SpawnTransaction {
  /** Undoes one step; gets the failure that caused the rollback. */
  @FunctionalInterface
  interface Undo {
    void undo(Throwable cause) throws Exception;
  }

  private record Entry(String what, Undo undo) {}

  private final Deque<Entry> undos = new ArrayDeque<>();
  private boolean committed;

  /** Registers how to undo a step that has just completed. */
  void onRollback(String what, Undo undo) {
    if (committed) {
      throw new IllegalStateException("Spawn already committed; cannot register '" + what + "'");
    }
    undos.push(new Entry(what, undo));
  }

  /** Keeps everything done so far. */
  void commit() {
    committed = true;
    undos.clear();
  }

  /**
   * Undoes every registered step, last first, and adds the undo failures to {@code cause} as
   * suppressed. Idempotent.
   */
  void rollback(Throwable cause) {
    Failures failures = new Failures();
    while (!undos.isEmpty()) {
      Entry e = undos.pop();
      try {
        e.undo().undo(cause);
      } catch (Exception x) {
        if (x instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        failures.add(new IllegalStateException(
            "Cannot undo " + e.what() + " after the failed spawn: " + x.getMessage(), x));
      }
    }
    failures.suppressInto(cause);
  }
}
