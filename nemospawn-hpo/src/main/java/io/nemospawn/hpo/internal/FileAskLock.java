package io.nemospawn.hpo.internal;

import io.nemospawn.StateException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The ask lock of a study storage kept in a file: an in-JVM lock per lock file plus an exclusive
 * OS lock ({@code fcntl}, honoured by NFS's lock manager) on it, held while one ask creates its
 * trial, samples and stores the parameters. The lock file is empty and stays next to the study.
 */
public final class FileAskLock {
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private FileAskLock() {}

  /** Runs {@code action} holding the lock on {@code lockFile} (created if missing). */
  public static <T> T run(Path lockFile, Supplier<T> action) {
    Path file = lockFile.toAbsolutePath().normalize();
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, p -> new ReentrantLock());
    jvm.lock();
    try {
      Path dir = file.getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      try (FileChannel ch =
              FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        return action.get();
      }
    } catch (IOException e) {
      throw new StateException(
          file, "Cannot take the HPO ask lock " + file + ": " + e.getMessage(), e);
    } finally {
      jvm.unlock();
    }
  }
}
