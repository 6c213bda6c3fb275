package io.nemospawn.core.internal.state;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the record directories under a root (recursively, new directories included) and
 * reports each {@code *.json} file that was created or replaced. Uses the file system's change
 * notification (inotify on Linux) and, because that misses changes made on other hosts of a
 * shared file system, also rescans on a slower poll. Reports the same file at most once per
 * change of its modification time or size.
 *
 * <p>One daemon thread, stopped by {@link #close()}. Thread-safe.
 */
public final class ChangeWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeWatcher.class);

  private final Path root;
  private final Consumer<Path> onChange;
  private final Duration pollInterval;
  private final LongSupplier nanoTime;
  private final Map<Path, String> seen = new ConcurrentHashMap<>();
  private final Map<WatchKey, Path> keys = new HashMap<>();
  private final Thread thread;
  private volatile boolean closed;
  private WatchService watchService;

  /**
   * Starts watching.
   *
   * @param root the directory to watch (created if absent)
   * @param onChange called on the watcher thread with each changed file
   * @param pollInterval how often to rescan for changes notification missed
   * @param threadName the watcher thread's name
   */
  public ChangeWatcher(
      Path root, Consumer<Path> onChange, Duration pollInterval, String threadName) {
    this(root, onChange, pollInterval, threadName, System::nanoTime);
  }

  /**
   * Starts watching, timing the rescans with {@code nanoTime} (a {@link
   * io.nemospawn.spi.TimeSource#nanoTime()}): under a simulated clock a rescan is due when the
   * simulated time has moved a poll interval on; file-system notifications arrive at once either
   * way, and the thread never blocks longer than one real poll interval.
   */
  public ChangeWatcher(
      Path root,
      Consumer<Path> onChange,
      Duration pollInterval,
      String threadName,
      LongSupplier nanoTime) {
    this.root = root;
    this.onChange = onChange;
    this.pollInterval = pollInterval;
    this.nanoTime = nanoTime;
    try {
      Files.createDirectories(root);
      watchService = root.getFileSystem().newWatchService();
    } catch (IOException | UnsupportedOperationException e) {
      log.warn(
          "No file-system notification for {} ({}); polling every {} ms",
          root,
          e,
          pollInterval.toMillis());
      watchService = null;
    }
    scan(false);
    thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /** Marks the file's current version as already reported (a change this process made itself). */
  public void markSeen(Path file) {
    String v = version(file);
    if (v != null) {
      seen.put(file, v);
    }
  }

  private void run() {
    long nextScan = nanoTime.getAsLong() + pollInterval.toNanos();
    while (!closed) {
      try {
        long waitNanos =
            Math.max(0, Math.min(pollInterval.toNanos(), nextScan - nanoTime.getAsLong()));
        if (watchService != null) {
          WatchKey key = watchService.poll(waitNanos, TimeUnit.NANOSECONDS);
          if (key != null) {
            handle(key);
            continue;
          }
        } else {
          TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
        if (nextScan - nanoTime.getAsLong() > 0) {
          continue; // a simulated clock that has not moved on yet
        }
        scan(true);
        nextScan = nanoTime.getAsLong() + pollInterval.toNanos();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("Change watcher of {} failed once; carrying on", root, e);
      }
    }
  }

  private void handle(WatchKey key) {
    Path dir = keys.get(key);
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.OVERFLOW || dir == null) {
        scan(true);
        continue;
      }
      Path file = dir.resolve((Path) event.context());
      if (file.getFileName().toString().startsWith(".")) {
        // Lock files, the task index and temp files: never records, never watched.
        continue;
      }
      if (Files.isDirectory(file)) {
        register(file);
        scanDir(file, true);
      } else {
        check(file, true);
      }
    }
    if (!key.reset()) {
      keys.remove(key);
    }
  }

  private void scan(boolean report) {
    scanDir(root, report);
  }

  private void scanDir(Path dir, boolean report) {
    register(dir);
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        if (Files.isDirectory(p)) {
          scanDir(p, report);
        } else {
          check(p, report);
        }
      }
    } catch (NoSuchFileException e) {
      // Removed while scanning.
    } catch (IOException e) {
      log.debug("Cannot scan {}: {}", dir, e.toString());
    }
  }

  private void register(Path dir) {
    if (watchService == null || keys.containsValue(dir)) {
      return;
    }
    try {
      WatchKey k = dir.register(
          watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
      keys.put(k, dir);
    } catch (IOException e) {
      log.debug("Cannot watch {}: {}", dir, e.toString());
    }
  }

  private void check(Path file, boolean report) {
    String name = file.getFileName().toString();
    if (!name.endsWith(".json") || name.startsWith(".")) {
      return;
    }
    String v = version(file);
    if (v == null) {
      return;
    }
    String before = seen.put(file, v);
    if (report && !v.equals(before)) {
      try {
        onChange.accept(file);
      } catch (RuntimeException e) {
        log.warn("Listener failed for {}", file, e);
      }
    }
  }

  private static String version(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      FileTime t = a.lastModifiedTime();
      return t.to(TimeUnit.NANOSECONDS) + ":" + a.size() + ":" + a.fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** Returns the directories currently registered, for tests. */
  Set<Path> watchedDirs() {
    return new HashSet<>(keys.values());
  }

  /** Stops the thread. Idempotent. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException ignored) {
        // Nothing left to release.
      }
    }
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
