package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The kill of the crash tests: a child JVM ({@link TaskWorkerMain}) prints {@code BEGIN} before
 * its operation and {@code END <nanoseconds>} after it; it is killed with SIGKILL a random delay
 * after BEGIN or after its journal entry appears, so that kills land among its writes.
 */
final class CrashKills {
  private CrashKills() {}

  /**
   * What one kill did: the delay, and how long the operation took when it finished first (-1 when
   * the kill cut it short).
   */
  record Kill(long delayMs, long tookMs) {
    boolean finished() {
      return tookMs >= 0;
    }
  }

  /**
   * Waits for the child's BEGIN (failing with its stderr if it never comes); when {@code
   * fromJournal}, also until {@code teamDir} holds a journal entry (or the child has ended); then
   * waits a random delay below {@code max(minWindowMs, windowMs)}, kills the child and waits for
   * it to be gone.
   */
  static Kill killAtRandom(
      Process child,
      Path out,
      Path teamDir,
      boolean fromJournal,
      Random random,
      long windowMs,
      long minWindowMs)
      throws Exception {
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> !child.isAlive() || Files.readString(out).contains("BEGIN"));
    assertThat(Files.readString(out))
        .as("child output; stderr: %s", Files.readString(Path.of(out + ".err")))
        .contains("BEGIN");
    if (fromJournal) {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> !child.isAlive()
              || hasJournalEntry(teamDir)
              || Files.readString(out).contains("END"));
    }
    long delay = random.nextInt((int) Math.max(minWindowMs, windowMs));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
    await().atMost(Duration.ofMinutes(1)).until(() -> System.nanoTime() >= deadline);
    child.destroyForcibly();
    assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
    String printed = Files.readString(out);
    int end = printed.indexOf("END ");
    long took = end < 0
        ? -1
        : TimeUnit.NANOSECONDS.toMillis(
            Long.parseLong(printed.substring(end + 4).strip()));
    return new Kill(delay, took);
  }

  /** Whether the team's graph journal holds an entry (an operation not yet finished). */
  static boolean hasJournalEntry(Path teamDir) throws Exception {
    Path j = teamDir.resolve(GraphJournal.DIR);
    if (!Files.isDirectory(j)) {
      return false;
    }
    try (Stream<Path> s = Files.list(j)) {
      return s.anyMatch(p -> !p.getFileName().toString().startsWith("."));
    }
  }
}
