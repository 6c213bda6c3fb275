package io.nemospawn.core.internal.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds an agent's process again by pid and start time (so a reused pid is never mistaken for the
 * agent) and stops a whole process tree: TERM to the descendants, then the root, a grace period,
 * then KILL to whatever is left, descendants found again at that point included.
 */
public final class ProcessTree {
  /** Start times read twice from /proc can differ by a clock tick; tolerate that much. */
  private static final Duration START_TOLERANCE = Duration.ofSeconds(1);

  private ProcessTree() {}

  /** Returns the process's start time, or {@link Instant#EPOCH} when the OS does not say. */
  public static Instant startOf(ProcessHandle p) {
    return p.info().startInstant().orElse(Instant.EPOCH);
  }

  /** Returns the live process with this pid and start time, if it still runs. */
  public static Optional<ProcessHandle> find(long pid, Instant startedAt) {
    if (pid <= 0) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> {
      if (startedAt.equals(Instant.EPOCH)) {
        return true;
      }
      Instant s = startOf(p);
      return s.equals(Instant.EPOCH)
          || Duration.between(s, startedAt).abs().compareTo(START_TOLERANCE) <= 0;
    });
  }

  /**
   * Stops {@code root} and every descendant: TERM to the descendants first (so a wrapper can
   * record their exit), then to the root, up to {@code grace} in all, then KILL.
   */
  public static void terminate(ProcessHandle root, Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    Set<ProcessHandle> all = new LinkedHashSet<>(root.descendants().toList());
    all.forEach(ProcessHandle::destroy);
    awaitAll(new ArrayList<>(all), half(deadline));
    // Children that forked while we waited are found again.
    Set<ProcessHandle> late = new LinkedHashSet<>(root.descendants().toList());
    late.forEach(ProcessHandle::destroy);
    all.addAll(late);
    root.destroy();
    all.add(root);
    awaitAll(new ArrayList<>(all), deadline);
    List<ProcessHandle> left = new ArrayList<>();
    for (ProcessHandle p : all) {
      if (p.isAlive()) {
        left.add(p);
      }
    }
    if (root.isAlive()) {
      left.addAll(root.descendants().toList());
    }
    left.forEach(ProcessHandle::destroyForcibly);
    awaitAll(left, System.nanoTime() + Duration.ofSeconds(10).toNanos());
  }

  private static long half(long deadline) {
    long now = System.nanoTime();
    return now + Math.max(0, (deadline - now) / 2);
  }

  /** Waits (on exit notifications, not by polling) until all have exited or the deadline. */
  static void awaitAll(List<ProcessHandle> processes, long deadlineNanos) {
    List<CompletableFuture<ProcessHandle>> exits =
        processes.stream().map(ProcessHandle::onExit).toList();
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      return;
    }
    try {
      CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
          .get(left, TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // Callers check isAlive() afterwards and escalate.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
