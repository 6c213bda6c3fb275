package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.task.Task;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * Child processes rewrite task files (64 KiB each, fsync on) and create dependents in a loop and
 * are killed with SIGKILL at random moments. Afterwards every record parses, the index agrees with
 * the task files, and opening the team removes the temp files the killed writers left.
 */
class TaskCrashIT {
  @TempDir
  Path dir;

  @Test
  void killedWritersLeaveNoTornRecordAndTheirTempFilesAreCleanedOnOpen() throws Exception {
    String teamId;
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      Team team = ns.newTeam("crash").create();
      teamId = team.id();
      for (int i = 0; i < 6; i++) {
        team.tasks().create("task " + i);
      }
    }
    Path teamDir = dir.resolve("teams").resolve(teamId);
    Random random = new Random(7);
    for (int round = 0; round < 4; round++) {
      List<Process> children = new ArrayList<>();
      List<Path> logs = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        Path log = dir.resolve("crash-" + round + "-" + c + ".log");
        logs.add(log);
        children.add(
            Children.start(TaskWorkerMain.class, log, "crash", dir.toString(), teamId, "w" + c));
      }
      for (Path log : logs) {
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> Files.exists(log) && Files.size(log) > 0);
      }
      // Let them write for a random while, then kill them mid-write.
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(900));
      await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() >= deadline);
      for (Process p : children) {
        p.destroyForcibly();
      }
      for (Process p : children) {
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      }
    }
    // A temp file of a writer that is surely gone, in case the kills hit no write: an old one of
    // an unknown owner, judged by its age.
    Path abandoned =
        teamDir.resolve("tasks/" + AtomicFiles.TEMP_PREFIX + "0badc0de-2147483646-1-x.json");
    Files.writeString(abandoned, "{");
    Files.setLastModifiedTime(
        abandoned,
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(AtomicFiles.FOREIGN_TEMP_AGE).minusSeconds(60)));

    // Every record parses. The hidden directories hold locks and the dependents index, a cache
    // that is rebuilt when unreadable (checked below), not records.
    try (Stream<Path> files = Files.walk(teamDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        boolean hidden = teamDir.relativize(f).toString().startsWith(".");
        if (Files.isRegularFile(f) && name.endsWith(".json") && !name.startsWith(".") && !hidden) {
          ObjectNode node;
          try {
            node = Json.parseObject(Files.readAllBytes(f));
          } catch (IllegalArgumentException e) {
            throw new AssertionError("Unreadable record " + f + ": " + e.getMessage(), e);
          }
          if (f.getParent().getFileName().toString().equals("tasks")) {
            TaskCodec.decode(node);
          }
        }
      }
    }
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      FileTeam team = (FileTeam) ns.team(teamId);
      try (Stream<Path> files = Files.walk(teamDir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .noneMatch(n -> n.startsWith(AtomicFiles.TEMP_PREFIX));
      }
      var listing = team.tasks().list();
      assertThat(listing.problems()).isEmpty();
      FileTasks tasks = (FileTasks) team.tasks();
      try (StateLock lock = team.context().lock(FileTasks.LOCK)) {
        tasks.index().validate();
        for (Task t : listing.items()) {
          for (String dep : t.blockedBy()) {
            assertThat(tasks.index().dependents(dep)).as(t.id()).contains(t.id());
          }
        }
      }
    }
  }
}
