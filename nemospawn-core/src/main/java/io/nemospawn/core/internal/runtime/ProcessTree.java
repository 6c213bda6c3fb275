package io.nemospawn.core.internal.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
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
 *
 * <p>The process groups that the root or any of its descendants lead are stopped with the tree: a
 * child an agent forks as it exits is reparented out of the tree before any scan of descendants
 * can see it, but it stays in its group. The process runtime starts its root with {@code setsid},
 * bubblewrap's {@code --new-session} gives the sandboxed agent its own group, and a tmux pane leads
 * its own. Members are found in {@code /proc} (Linux) and signalled one by one, never by group id,
 * and only those that started after the root and are not a group's number itself: a group id is
 * not reused while a member lives, so nothing else can match. A root that does not lead its group
 * shares the spawner's, which is never followed.
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
    Instant rootStart = startOf(root);
    Set<Long> groups = new HashSet<>();
    Set<ProcessHandle> all = new LinkedHashSet<>(tree(root, groups, rootStart));
    all.forEach(ProcessHandle::destroy);
    awaitAll(new ArrayList<>(all), half(deadline));
    // Children that forked while we waited are found again.
    Set<ProcessHandle> late = new LinkedHashSet<>(tree(root, groups, rootStart));
    late.forEach(ProcessHandle::destroy);
    all.addAll(late);
    root.destroy();
    all.add(root);
    awaitAll(new ArrayList<>(all), deadline);
    Set<ProcessHandle> left = new LinkedHashSet<>();
    for (ProcessHandle p : all) {
      if (p.isAlive()) {
        left.add(p);
      }
    }
    left.addAll(tree(root, groups, rootStart));
    left.forEach(ProcessHandle::destroyForcibly);
    awaitAll(new ArrayList<>(left), System.nanoTime() + Duration.ofSeconds(10).toNanos());
  }

  /**
   * Returns the root's live descendants and the other members of the groups in {@code groups},
   * after adding to it the groups that the root or a descendant leads now (a group stays followed
   * once its leader has exited).
   */
  private static List<ProcessHandle> tree(ProcessHandle root, Set<Long> groups, Instant rootStart) {
    List<ProcessHandle> t = new ArrayList<>(root.descendants().toList());
    Set<Long> known = new HashSet<>();
    known.add(root.pid());
    t.forEach(p -> known.add(p.pid()));
    for (long pid : known) {
      if (processGroup(pid) == pid) {
        groups.add(pid);
      }
    }
    if (!groups.isEmpty()) {
      ProcessHandle.allProcesses()
          .filter(p -> !known.contains(p.pid()) && !groups.contains(p.pid()))
          .filter(p -> groups.contains(processGroup(p.pid())))
          .filter(p -> !startOf(p).isBefore(rootStart.minus(START_TOLERANCE)))
          .forEach(t::add);
    }
    return t;
  }

  /**
   * Returns the process group of a live process, from {@code /proc/PID/stat}; -1 when it is gone
   * or the OS has no {@code /proc}.
   */
  static long processGroup(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException | SecurityException e) {
      return -1;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so from the last ')'.
    String[] f = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ", 4);
    try {
      return f.length >= 3 ? Long.parseLong(f[2]) : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
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
