package io.nemospawn.core.internal.state;

import io.nemospawn.StateException;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * An exclusive lock on a lock file that holds across processes (a POSIX lock through {@link
 * FileChannel#lock()}) and across threads of this JVM (a {@link ReentrantLock} per file, since one
 * JVM cannot hold two OS locks on one file). Reentrant for the holding thread.
 *
 * <pre>{@code
 * try (StateLock lock = StateLock.acquire(dir.resolve("graph.lock"))) { ... }
 * }</pre>
 */
public final class StateLock implements AutoCloseable {
  private static final ConcurrentHashMap<Path, Holder> HOLDERS = new ConcurrentHashMap<>();

  private final Holder holder;
  private boolean closed;

  private StateLock(Holder holder) {
    this.holder = holder;
  }

  /**
   * Blocks until the lock is held.
   *
   * @throws StateException naming the lock file when it cannot be opened or locked
   */
  public static StateLock acquire(Path lockFile) {
    Path key = lockFile.toAbsolutePath().normalize();
    Holder h = HOLDERS.computeIfAbsent(key, Holder::new);
    h.jvmLock.lock();
    try {
      if (h.jvmLock.getHoldCount() == 1) {
        h.lockFile();
      }
    } catch (RuntimeException e) {
      h.jvmLock.unlock();
      throw e;
    }
    return new StateLock(h);
  }

  /** Releases the lock. Idempotent for this handle. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (holder.jvmLock.getHoldCount() == 1) {
        holder.unlockFile();
      }
    } finally {
      holder.jvmLock.unlock();
    }
  }

  /** One lock file: the in-JVM lock and, while held, the OS lock. */
  private static final class Holder {
    final Path path;
    final ReentrantLock jvmLock = new ReentrantLock();

    @Nullable
    FileChannel channel;

    @Nullable
    FileLock fileLock;

    Holder(Path path) {
      this.path = path;
    }

    void lockFile() {
      try {
        // The directory is created only when missing, not checked at every acquisition.
        FileChannel opened = AtomicFiles.openForWrite(path);
        channel = opened;
        fileLock = opened.lock();
      } catch (IOException e) {
        closeChannel();
        throw new StateException(path, "Cannot lock " + path + ": " + e, e);
      }
    }

    void unlockFile() {
      try {
        FileLock held = fileLock;
        if (held != null) {
          held.release();
        }
      } catch (IOException e) {
        // Closing the channel below releases the lock as well.
      } finally {
        fileLock = null;
        closeChannel();
      }
    }

    private void closeChannel() {
      FileChannel open = channel;
      if (open != null) {
        try {
          open.close();
        } catch (IOException ignored) {
          // Nothing more can be done; the OS drops the lock with the descriptor.
        }
        channel = null;
      }
    }
  }
}
