package io.nemospawn.junit.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Finds what a test left behind: teams opened and not closed, {@code nemospawn-*} threads
 * (event watchers, transport receivers) still running, and state locks still held. Uses only the
 * public API and the JDK: a lock file that this JVM holds makes {@link FileChannel#tryLock()}
 * throw {@link OverlappingFileLockException}; one that another process holds returns null.
 */
public final class LeakCheck {
  /** Threads of NemoSpawn are named {@code nemospawn-<team>-<purpose>-<n>}. */
  public static final String THREAD_PREFIX = "nemospawn-";

  private LeakCheck() {}

  /** Returns the {@code nemospawn-*} threads alive now. */
  public static Set<Thread> nemoThreads() {
    Set<Thread> out = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith(THREAD_PREFIX)) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Returns the names of {@code nemospawn-*} threads alive now that were not in {@code before}
   * and whose names do not start with one of {@code allowedPrefixes}. Threads that are stopping
   * get {@code grace} to end.
   */
  public static List<String> newThreads(
      Set<Thread> before, List<String> allowedPrefixes, Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    List<String> names = new ArrayList<>();
    for (Thread t : nemoThreads()) {
      if (before.contains(t) || allowedPrefixes.stream().anyMatch(t.getName()::startsWith)) {
        continue;
      }
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          t.join(Duration.ofNanos(left).toMillis() + 1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        names.add(t.getName());
      }
    }
    Collections.sort(names);
    return names;
  }

  /** Returns the lock files ({@code .locks/*.lock}) under {@code dataDir} that are still held. */
  public static List<String> heldLocks(Path dataDir) {
    List<String> held = new ArrayList<>();
    if (!Files.isDirectory(dataDir)) {
      return held;
    }
    try {
      Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
          return name.equals("workspaces")
              ? FileVisitResult.SKIP_SUBTREE
              : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (file.getFileName().toString().endsWith(".lock")) {
            String state = lockState(file);
            if (state != null) {
              held.add(file + " (" + state + ")");
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      held.add(dataDir + " (cannot be scanned: " + e + ")");
    }
    Collections.sort(held);
    return held;
  }

  /**
   * Returns who holds the lock file, or null when it is free. Closing the probe channel may drop
   * a POSIX lock that this JVM holds through another channel; the check runs after a test, when
   * no lock should be held, and a lock found held is reported either way.
   */
  private static @Nullable String lockState(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return "held by another process";
      }
      l.release();
      return null;
    } catch (OverlappingFileLockException e) {
      return "held in this JVM";
    } catch (IOException e) {
      return null;
    }
  }
}
