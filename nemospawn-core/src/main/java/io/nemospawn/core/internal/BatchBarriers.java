package io.nemospawn.core.internal;

import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deferred durability barriers of a team's committed batches of creations (durability FSYNC).
 * A batch whose journal entry holds every record and is forced is durable through that entry
 * alone; its task files are written without forcing and made durable here, off the caller's path:
 * each file is forced, then its directory, and only then is the entry removed.
 *
 * <p>Why this is safe: data written to the page cache is lost only when the kernel stops, and a
 * stopped kernel means a new boot. The entry's name carries the id of the boot it was written in
 * ({@code /proc/sys/kernel/random/boot_id}); an entry of another boot is rolled forward by the next
 * holder of the graph lock, which writes again every file of the batch that is missing or torn. An
 * entry of this boot whose process ended before its barrier ran (a short program, kill -9) is
 * adopted by the next process that takes the lock: its files are still in the page cache, so
 * forcing them is all that is left. Where the boot id is unknown (not Linux), batches force their
 * files before returning, as before.
 *
 * <p>Thread-safe. Barriers run one at a time on one daemon thread shared by every team of the
 * process; a team waits for its own when it is closed.
 */
final class BatchBarriers {
  private static final Logger log = LoggerFactory.getLogger(BatchBarriers.class);

  private static final Executor SHARED = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "nemospawn-batch-barrier");
    t.setDaemon(true);
    return t;
  });

  /** The boot id, read once: 32 lower-case hex digits, or empty where the system has none. */
  private static final Optional<String> BOOT =
      readBootId(Path.of("/proc/sys/kernel/random/boot_id"));

  /** Tests replace these to play a restart or to hold barriers back; never changed otherwise. */
  static volatile Supplier<Optional<String>> bootIdSource = () -> BOOT;

  static volatile Executor executor = SHARED;

  private final Set<CompletableFuture<Void>> running = ConcurrentHashMap.newKeySet();
  private final Set<Path> scheduled = ConcurrentHashMap.newKeySet();

  /** The current boot's id, when the system has one; batches defer their barrier only then. */
  static Optional<String> bootId() {
    return bootIdSource.get();
  }

  /** Reads a Linux boot id file: its UUID without dashes, or empty when absent or malformed. */
  static Optional<String> readBootId(Path file) {
    try {
      String s = Files.readString(file).trim().replace("-", "").toLowerCase(Locale.ROOT);
      return s.matches("[0-9a-f]{32}") ? Optional.of(s) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Makes the files that {@code files} names durable in the background, then removes {@code
   * entry}; at most one barrier per entry at a time in this handle. If forcing fails, the entry is
   * handed to {@code reopen}, which must make it an ordinary pending entry, so that the next holder
   * of the lock writes the batch's files again.
   */
  void schedule(Path entry, Supplier<List<Path>> files, Consumer<Path> reopen) {
    if (!scheduled.add(entry)) {
      return;
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    running.add(f);
    try {
      executor.execute(() -> {
        try {
          run(entry, files, reopen);
        } finally {
          scheduled.remove(entry);
          running.remove(f);
          f.complete(null);
        }
      });
    } catch (RuntimeException e) {
      scheduled.remove(entry);
      running.remove(f);
      f.complete(null);
      throw e;
    }
  }

  private static void run(Path entry, Supplier<List<Path>> files, Consumer<Path> reopen) {
    if (!Files.exists(entry)) {
      return; // another process finished it (or a restore made it moot)
    }
    try {
      List<Path> present = new ArrayList<>();
      for (Path p : files.get()) {
        // A file can be gone for one reason only: a snapshot restore replaced the directory.
        if (Files.exists(p)) {
          present.add(p);
        }
      }
      if (!present.isEmpty()) {
        AtomicFiles.forceAll(present);
      }
      Files.deleteIfExists(entry);
    } catch (RuntimeException | IOException e) {
      if (!Files.exists(entry)) {
        return; // finished by another process meanwhile
      }
      log.error(
          "Cannot make the batch of journal entry {} durable: {}; the next operation on the"
              + " team writes its task files again from the entry",
          entry,
          e.toString());
      try {
        reopen.accept(entry);
      } catch (RuntimeException again) {
        log.error("Cannot reopen journal entry {}: {}", entry, again.toString());
      }
    }
  }

  /**
   * Waits for this handle's barriers to end.
   *
   * @return false when {@code timeout} passed first
   */
  boolean await(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (CompletableFuture<Void> f : List.copyOf(running)) {
      try {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException e) {
        // run() reports its own failures.
      }
    }
    return true;
  }
}
