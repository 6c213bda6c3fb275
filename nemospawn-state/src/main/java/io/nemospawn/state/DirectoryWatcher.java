package io.nemospawn.state;

import static java.util.Objects.requireNonNull;

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
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one directory watcher of the state directory: the file system's change notification
 * (inotify on Linux) where it works and, because that misses writers on other hosts of a shared
 * file system, a poll every {@code pollInterval} in any case. Never a busy loop. Two uses:
 *
 * <ul>
 *   <li>{@link #waiting(Path, Duration)} watches one directory for a thread that waits for a change
 *       with {@link #await(Duration)} (an inbox). The poll compares the directory's modification
 *       time, which every atomic write (a rename into the directory) changes. Register before
 *       scanning, then await: a file written between the scan and the wait is still noticed.
 *   <li>{@link #reporting(Path, Consumer, Duration, String)} watches a tree (new directories
 *       included) on its own daemon thread and reports each {@code *.json} file that was created or
 *       replaced (a team's records), at most once per change of its modification time, size or file
 *       key. The poll rescans the tree. Names starting with a dot (locks, temp files) are skipped.
 * </ul>
 *
 * <pre>{@code
 * try (DirectoryWatcher w = DirectoryWatcher.waiting(inboxDir, DirectoryWatcher.POLL_INTERVAL)) {
 *   while (scan(inboxDir).isEmpty()) {
 *     w.await(Duration.ofSeconds(1));
 *   }
 * }
 * }</pre>
 *
 * <p>Waits measure time with {@link System#nanoTime()}; a reporting watcher's rescans may be timed
 * by another clock ({@link #reporting(Path, Consumer, Duration, String, LongSupplier)}).
 * A waiting watcher serves one waiting thread at a time; a reporting watcher is thread-safe.
 * {@link #close()} is idempotent and wakes a waiting thread within one poll interval.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class DirectoryWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);

  /** The poll interval of inboxes: how often a directory's modification time is checked. */
  public static final Duration POLL_INTERVAL = Duration.ofMillis(250);

  private final Path root;
  private final @Nullable Consumer<Path> onChange;
  private final Duration pollInterval;
  private final LongSupplier nanoTime;
  private final @Nullable WatchService watchService;
  private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
  private final Map<Path, String> seen = new ConcurrentHashMap<>();
  private final @Nullable Thread thread;
  private volatile boolean closed;
  private @Nullable FileTime rootModified;

  private DirectoryWatcher(
      Path root,
      @Nullable Consumer<Path> onChange,
      Duration pollInterval,
      @Nullable String threadName,
      boolean notification,
      LongSupplier nanoTime) {
    this.root = requireNonNull(root, "root");
    this.onChange = onChange;
    this.pollInterval = requirePositive(pollInterval);
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    WatchService w = null;
    try {
      Files.createDirectories(root);
      if (notification) {
        w = root.getFileSystem().newWatchService();
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("No file-system notification for {} ({}); polling every {}", root, e, pollInterval);
      closeQuietly(w);
      w = null;
    }
    this.watchService = w;
    if (onChange == null) {
      register(root);
      rootModified = modified(root);
      thread = null;
    } else {
      scanDir(root, false);
      Thread t = new Thread(this::run, requireNonNull(threadName, "threadName"));
      t.setDaemon(true);
      thread = t;
      t.start();
    }
  }

  /**
   * Starts watching one directory, creating it if needed, for a thread that calls {@link #await}.
   *
   * @param pollInterval how often the directory's modification time is checked besides the
   *     notification
   * @throws IllegalArgumentException when {@code pollInterval} is not positive
   */
  public static DirectoryWatcher waiting(Path dir, Duration pollInterval) {
    return new DirectoryWatcher(dir, null, pollInterval, null, true, System::nanoTime);
  }

  /**
   * Starts watching the tree under {@code root}, creating it if needed, on a daemon thread named
   * {@code threadName} that calls {@code onChange} with each created or replaced {@code *.json}
   * file. Files present at the start are not reported.
   *
   * @param pollInterval how often the tree is rescanned for changes the notification missed
   * @throws IllegalArgumentException when {@code pollInterval} is not positive
   */
  public static DirectoryWatcher reporting(
      Path root, Consumer<Path> onChange, Duration pollInterval, String threadName) {
    return reporting(root, onChange, pollInterval, threadName, System::nanoTime);
  }

  /**
   * Same as {@link #reporting(Path, Consumer, Duration, String)}, timing the rescans with {@code
   * nanoTime} (such as a {@code TimeSource::nanoTime} of a simulated clock): a rescan is due when
   * that time has moved a poll interval on; notifications arrive at once either way, and the
   * thread never blocks longer than one real poll interval.
   */
  public static DirectoryWatcher reporting(
      Path root,
      Consumer<Path> onChange,
      Duration pollInterval,
      String threadName,
      LongSupplier nanoTime) {
    return new DirectoryWatcher(
        root, requireNonNull(onChange, "onChange"), pollInterval, threadName, true, nanoTime);
  }

  /** Same as {@link #waiting}, polling only: what a file system without notification gets. */
  static DirectoryWatcher waitingByPolling(Path dir, Duration pollInterval) {
    return new DirectoryWatcher(dir, null, pollInterval, null, false, System::nanoTime);
  }

  /** Same as {@link #reporting}, polling only: what a file system without notification gets. */
  static DirectoryWatcher reportingByPolling(
      Path root, Consumer<Path> onChange, Duration pollInterval, String threadName) {
    return new DirectoryWatcher(root, onChange, pollInterval, threadName, false, System::nanoTime);
  }

  private static Duration requirePositive(Duration d) {
    requireNonNull(d, "pollInterval");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          "Cannot watch with poll interval " + d + ": it must be positive, such as PT0.25S");
    }
    return d;
  }

  /** Returns whether the file system's change notification is in use (else only the poll). */
  public boolean usesNotification() {
    return watchService != null;
  }

  /**
   * Waits until something in the directory may have changed, or {@code timeout} passes.
   *
   * @return true on a (possible) change, false on timeout or when closed
   * @throws InterruptedException when interrupted
   * @throws IllegalStateException when this watcher reports on its own thread
   */
  public boolean await(Duration timeout) throws InterruptedException {
    requireNonNull(timeout, "timeout");
    if (onChange != null) {
      throw new IllegalStateException(
          "The watcher of " + root + " reports changes on its own thread; nothing can await it");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      long slice = Math.min(left, pollInterval.toNanos());
      if (watchService != null) {
        WatchKey key;
        try {
          key = watchService.poll(slice, TimeUnit.NANOSECONDS);
        } catch (ClosedWatchServiceException e) {
          return false;
        }
        if (key != null) {
          boolean any = !key.pollEvents().isEmpty();
          key.reset();
          if (any) {
            rootModified = modified(root);
            return true;
          }
        }
      } else {
        TimeUnit.NANOSECONDS.sleep(slice);
      }
      FileTime now = modified(root);
      if (now != null && !now.equals(rootModified)) {
        rootModified = now;
        return true;
      }
    }
    return false;
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
        scanDir(root, true);
        nextScan = nanoTime.getAsLong() + pollInterval.toNanos();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("Directory watcher of {} failed once; carrying on", root, e);
      }
    }
  }

  private void handle(WatchKey key) {
    Path dir = keys.get(key);
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.OVERFLOW || dir == null) {
        scanDir(root, true);
        continue;
      }
      Path file = dir.resolve((Path) event.context());
      if (file.getFileName().toString().startsWith(".")) {
        // Lock files, indexes and temp files: never records, never watched.
        continue;
      }
      if (Files.isDirectory(file)) {
        scanDir(file, true);
      } else {
        check(file, true);
      }
    }
    if (!key.reset()) {
      keys.remove(key);
    }
  }

  private void scanDir(Path dir, boolean report) {
    register(dir);
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().startsWith(".")) {
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
    WatchService w = watchService;
    if (w == null || keys.containsValue(dir)) {
      return;
    }
    try {
      WatchKey k = dir.register(
          w,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      keys.put(k, dir);
    } catch (IOException | ClosedWatchServiceException e) {
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
    Consumer<Path> listener = onChange;
    if (report && listener != null && !v.equals(before)) {
      try {
        listener.accept(file);
      } catch (RuntimeException e) {
        log.warn("Listener failed for {}", file, e);
      }
    }
  }

  private static @Nullable String version(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + ":" + a.size() + ":" + a.fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  private static @Nullable FileTime modified(Path dir) {
    try {
      return Files.getLastModifiedTime(dir);
    } catch (IOException e) {
      return null;
    }
  }

  /** Returns the directories registered with the change notification, for tests. */
  Set<Path> watchedDirs() {
    return new HashSet<>(keys.values());
  }

  /** Stops watching (and the thread of a reporting watcher). Idempotent. */
  @Override
  public void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    closeQuietly(watchService);
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "DirectoryWatcher[" + root + (onChange == null ? " waiting" : " reporting")
        + (watchService == null ? " polling" : "") + " every " + pollInterval
        + (closed ? " closed" : "") + "]";
  }

  private static void closeQuietly(@Nullable WatchService w) {
    if (w != null) {
      try {
        w.close();
      } catch (IOException ignored) {
        // Nothing held beyond the descriptor, which close releases in any case.
      }
    }
  }
}
