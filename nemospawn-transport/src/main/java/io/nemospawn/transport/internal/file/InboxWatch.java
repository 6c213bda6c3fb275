package io.nemospawn.transport.internal.file;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a change in one directory: a file-system watch (inotify on Linux) where it works,
 * and in any case a check of the directory's modification time every {@link #POLL_INTERVAL},
 * which catches writers on other NFS clients that the watch cannot see. Never a busy loop.
 *
 * <p>Register before scanning, then {@link #await}: a file written between the scan and the wait
 * is still noticed. Not thread-safe: one waiting thread.
 */
public final class InboxWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InboxWatch.class);

  /** How often the directory's modification time is checked besides the watch. */
  public static final Duration POLL_INTERVAL = Duration.ofMillis(250);

  private final Path dir;
  private final WatchService watch;
  private FileTime lastModified;

  /** Starts watching {@code dir}, creating it if needed. */
  public InboxWatch(Path dir) {
    this.dir = dir;
    WatchService w = null;
    try {
      Files.createDirectories(dir);
      w = FileSystems.getDefault().newWatchService();
      dir.register(
          w,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("No file-system watch on {} ({}); polling every {}", dir, e, POLL_INTERVAL);
      closeQuietly(w);
      w = null;
    }
    this.watch = w;
    this.lastModified = modified();
  }

  /**
   * Waits until something in the directory may have changed, or {@code timeout} passes.
   *
   * @return true on a (possible) change, false on timeout
   * @throws InterruptedException when interrupted
   */
  public boolean await(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      long slice = Math.min(left, POLL_INTERVAL.toNanos());
      if (watch != null) {
        WatchKey key;
        try {
          key = watch.poll(slice, TimeUnit.NANOSECONDS);
        } catch (ClosedWatchServiceException e) {
          return false;
        }
        if (key != null) {
          boolean any = !key.pollEvents().isEmpty();
          key.reset();
          if (any) {
            lastModified = modified();
            return true;
          }
        }
      } else {
        TimeUnit.NANOSECONDS.sleep(slice);
      }
      FileTime now = modified();
      if (now != null && !now.equals(lastModified)) {
        lastModified = now;
        return true;
      }
    }
  }

  private FileTime modified() {
    try {
      return Files.getLastModifiedTime(dir);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    closeQuietly(watch);
  }

  private static void closeQuietly(WatchService w) {
    if (w != null) {
      try {
        w.close();
      } catch (IOException ignored) {
        // Nothing held beyond the descriptor, which close releases in any case.
      }
    }
  }
}
