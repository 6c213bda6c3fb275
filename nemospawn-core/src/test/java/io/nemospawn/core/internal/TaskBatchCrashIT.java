package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19: a child JVM creates {@value #BATCH} tasks with one {@code createAll} (every third
 * depending on an existing task) and is killed with SIGKILL after a random delay, over and over
 * (at least {@value #MIN_ROUNDS} rounds, at most {@value #MAX_ROUNDS} or {@value #MAX_SECONDS}
 * s); most kills are timed from the moment its journal entry appears, so they land among its
 * writes. After each kill the next ordinary operation of another process (a list, a create, a
 * completion of the existing task, or a repair, in turn) must leave the batch all there or not
 * there at all: no journal entry, no task file of the batch if it did not finish and was not
 * committed, every task of it if it was (durability FSYNC: the whole entry was written), a clean
 * {@code check()} (the dependents index agrees with the files), and completing the existing task
 * unblocks exactly the batch's dependents that exist.
 */
class TaskBatchCrashIT {
  static final int BATCH = 3000;
  static final int MAX_ROUNDS = 24;
  static final int MAX_SECONDS = 60;
  static final int MIN_ROUNDS = 4;

  @TempDir
  Path dir;

  @Test
  void aBatchKilledAtRandomPointsIsAllOrNothingAfterTheNextOperation() throws Exception {
    Random random = new Random(19);
    long start = System.nanoTime();
    long windowMs = 1500;
    int rounds = 0;
    int partial = 0;
    List<String> log = new ArrayList<>();
    while (rounds < MAX_ROUNDS
        && (rounds < MIN_ROUNDS
            || System.nanoTime() - start < TimeUnit.SECONDS.toNanos(MAX_SECONDS))) {
      String teamId;
      Path teamDir;
      String root;
      Durability durability = rounds % 2 == 0 ? Durability.NONE : Durability.FSYNC;
      try (NemoSpawn ns =
          NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
        Team team = ns.newTeam("crash" + rounds).create();
        teamId = team.id();
        teamDir = team.dir();
        root = team.tasks().create("root").id();
        team.tasks().create("other");
      }
      Path out = dir.resolve("batch-" + rounds + ".log");
      Process child = Children.start(
          TaskWorkerMain.class,
          out,
          "batch",
          dir.toString(),
          teamId,
          Integer.toString(BATCH),
          root,
          durability.name());
      CrashKills.Kill kill =
          CrashKills.killAtRandom(child, out, teamDir, rounds % 4 != 3, random, windowMs, 5);
      long delay = kill.delayMs();
      boolean finished = kill.finished();
      if (finished) {
        // Finished before the kill: aim the next kills inside the batch.
        windowMs = Math.max(5, kill.tookMs());
      }
      boolean journaled = CrashKills.hasJournalEntry(teamDir);
      // With FSYNC (and a boot id) a batch whose whole entry is written is committed: it is
      // rolled forward, never back.
      boolean committed = committedEntry(teamDir);
      long left = batchFiles(teamDir);
      if (journaled && left > 0) {
        partial++;
      }
      String what = "round " + rounds + " (" + durability + "): killed " + delay
          + " ms after " + (rounds % 4 != 3 ? "the journal entry" : "BEGIN") + ", finished "
          + finished + ", journal " + journaled + (committed ? " (committed)" : "") + ", " + left
          + " batch files";
      log.add(what);

      int op = rounds % 4;
      try (NemoSpawn ns =
          NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
        Tasks tasks = ns.team(teamId).tasks();
        switch (op) {
          case 0 -> tasks.list();
          case 1 -> tasks.create("after the crash");
          case 2 -> tasks.complete(root);
          default -> tasks.repair();
        }
        // An entry of this boot left unforced is made durable in the background.
        assertThat(((FileTasks) tasks).awaitBarriers(Duration.ofMinutes(1))).isTrue();
        assertThat(CrashKills.hasJournalEntry(teamDir)).as(what).isFalse();
        long batch = tasks.list().items().stream()
            .filter(t -> t.title().startsWith("batch "))
            .count();
        assertThat(batch).as(what).isIn(0L, (long) BATCH);
        if (finished) {
          assertThat(batch).as(what).isEqualTo(BATCH);
        }
        if (committed) {
          assertThat(batch).as(what + ": a committed batch is rolled forward").isEqualTo(BATCH);
        } else if (journaled) {
          assertThat(batch)
              .as(what + ": a batch that had not finished is rolled back")
              .isZero();
        }
        assertThat(batchFiles(teamDir)).as(what).isEqualTo(batch);
        assertThat(tasks.check().problems()).as(what).isEmpty();
        if (op != 2) {
          tasks.complete(root);
        }
        for (Task t : tasks.list().items()) {
          if (t.blockedBy().contains(root)) {
            assertThat(t.state()).as(what + ": " + t.id()).isEqualTo(TaskState.PENDING);
          }
        }
      }
      rounds++;
    }
    System.out.println(String.join("\n", log));
    System.out.println(rounds + " rounds, " + partial + " killed with part of the batch written");
    assertThat(partial)
        .as("kills that left a batch half-written (else the test proves little)")
        .isPositive();
  }

  /** Counts the task files (any, readable or not) whose title says they are the batch's. */
  private static long batchFiles(Path teamDir) throws Exception {
    long n = 0;
    try (Stream<Path> s = Files.list(teamDir.resolve("tasks"))) {
      for (Path f : (Iterable<Path>) s::iterator) {
        String name = f.getFileName().toString();
        if (name.startsWith(".") || !name.endsWith(".json")) {
          continue;
        }
        byte[] b = Files.readAllBytes(f);
        if (b.length == 0 || Json.text(Json.parseObject(b), "title", "").startsWith("batch ")) {
          n++;
        }
      }
    }
    return n;
  }

  /** Whether the journal holds a committed batch: unforced, or whole and not yet renamed. */
  private static boolean committedEntry(Path teamDir) throws Exception {
    Path j = teamDir.resolve(GraphJournal.DIR);
    if (!Files.isDirectory(j)) {
      return false;
    }
    try (Stream<Path> s = Files.list(j)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.endsWith(GraphJournal.UNFORCED)
            || (n.endsWith(".json")
                && !n.startsWith(".")
                && Files.readString(p).contains(FileTasks.CREATE_COMMITTED))) {
          return true;
        }
      }
    }
    return false;
  }
}
