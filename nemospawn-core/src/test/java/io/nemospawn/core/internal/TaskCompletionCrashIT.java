package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.FailurePolicy;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import io.nemospawn.task.Tasks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 3: a child JVM completes (or fails, under {@code fail_dependents}) a task with
 * {@value #DEPENDENTS} dependents and is killed with SIGKILL after a random delay, over and over
 * (at most {@value #MAX_ROUNDS} rounds or {@value #MAX_SECONDS} s, at least {@value
 * #MIN_ROUNDS}); half the kills are timed from the moment its journal entry appears, so they land
 * among its writes. After each kill the next
 * ordinary operation of another process (a list, a create, the same update again, or a repair, in
 * turn) must leave the graph as if the update had happened entirely or not at all: no blocked
 * task whose dependencies are all done, dependents with an unfinished other dependency still
 * blocked, no journal entry left, and a clean {@code check()}.
 */
class TaskCompletionCrashIT {
  static final int DEPENDENTS = 2000;
  static final int GRANDCHILDREN = 200;
  static final int MAX_ROUNDS = 30;
  static final int MAX_SECONDS = 60;
  static final int MIN_ROUNDS = 3;

  @TempDir
  Path dir;

  @Test
  void aCompletionKilledAtRandomPointsIsFinishedByTheNextOperationAndStrandsNothing()
      throws Exception {
    Random random = new Random(12_3);
    long start = System.nanoTime();
    long windowMs = 1500;
    int rounds = 0;
    int interrupted = 0;
    int partial = 0;
    List<String> log = new ArrayList<>();
    while (rounds < MAX_ROUNDS
        && (rounds < MIN_ROUNDS
            || System.nanoTime() - start < TimeUnit.SECONDS.toNanos(MAX_SECONDS))) {
      boolean fail = rounds % 2 == 1;
      Graph g = writeGraph("crash" + rounds, fail);
      Path out = dir.resolve("settle-" + rounds + ".log");
      Process child = Children.start(
          TaskWorkerMain.class,
          out,
          "settle",
          dir.toString(),
          g.teamId,
          g.root,
          fail ? "failed" : "done");
      // Half the kills count from BEGIN (they may land while the update still reads), half from
      // the moment its journal entry appears (they land among its writes).
      boolean fromJournal = rounds % 4 < 2;
      CrashKills.Kill kill =
          CrashKills.killAtRandom(child, out, g.teamDir, fromJournal, random, windowMs, 20);
      long delay = kill.delayMs();
      if (kill.finished()) {
        // Finished before the kill: aim the next kills inside the operation.
        windowMs = kill.tookMs();
      }

      // What the kill left, before anyone looks at the team.
      boolean journaled = CrashKills.hasJournalEntry(g.teamDir);
      Map<String, Task> left = readAll(g.teamDir);
      boolean rootMoved = left.get(g.root).state() != TaskState.RUNNING;
      long settled = g.dependents.stream()
          .filter(id -> left.get(id).state() != TaskState.BLOCKED)
          .count();
      if (journaled) {
        interrupted++;
      }
      if (rootMoved && settled < g.settledIfApplied) {
        partial++;
      }
      log.add("round " + rounds + (fail ? " fail" : " done") + ": killed " + delay + " ms after "
          + (fromJournal ? "the journal entry" : "BEGIN") + ", finished " + kill.finished()
          + ", journal " + journaled + ", root moved " + rootMoved + ", " + settled + "/"
          + g.settledIfApplied + " dependents settled");

      // The next ordinary operation, by another process.
      int op = rounds % 4;
      try (NemoSpawn ns =
          NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
        Tasks tasks = ns.team(g.teamId).tasks();
        switch (op) {
          case 0 -> tasks.list();
          case 1 -> tasks.create("after the crash");
          case 2 -> tasks.update(g.root, TaskUpdate.of(fail ? TaskState.FAILED : TaskState.DONE));
          default -> tasks.repair();
        }
        assertNothingStranded(g, fail, "round " + rounds + " op " + op + ": " + log.get(rounds));
        assertThat(tasks.check().problems()).as(log.get(rounds)).isEmpty();
      }
      rounds++;
    }
    System.out.println(String.join("\n", log));
    System.out.println(rounds + " rounds, " + interrupted + " killed with a journal entry, "
        + partial + " with the root moved and dependents half-settled");
    assertThat(interrupted)
        .as("kills that hit an operation part-way (else the test proves little)")
        .isPositive();
  }

  private void assertNothingStranded(Graph g, boolean fail, String what) throws Exception {
    assertThat(CrashKills.hasJournalEntry(g.teamDir)).as(what).isFalse();
    Map<String, Task> all = readAll(g.teamDir);
    for (Task t : all.values()) {
      if (t.state() == TaskState.BLOCKED && !t.blockedBy().isEmpty()) {
        assertThat(t.blockedBy().stream().allMatch(d -> all.get(d).state() == TaskState.DONE))
            .as(
                "%s: %s is blocked though its dependencies %s are all done",
                what, t.id(), t.blockedBy())
            .isFalse();
      }
    }
    TaskState root = all.get(g.root).state();
    for (String id : g.dependents) {
      Task t = all.get(id);
      TaskState expected;
      if (root == TaskState.RUNNING) {
        expected = TaskState.BLOCKED;
      } else if (fail) {
        expected = TaskState.FAILED;
      } else {
        expected = t.blockedBy().contains(g.openOther) ? TaskState.BLOCKED : TaskState.PENDING;
      }
      assertThat(t.state()).as("%s: dependent %s of %s root", what, id, root).isEqualTo(expected);
    }
    for (String id : g.grandchildren) {
      TaskState expected = fail && root == TaskState.FAILED ? TaskState.FAILED : TaskState.BLOCKED;
      assertThat(all.get(id).state()).as("%s: grandchild %s", what, id).isEqualTo(expected);
    }
  }

  /** A team whose files are written directly, as a fast stand-in for thousands of creates. */
  private record Graph(
      String teamId,
      Path teamDir,
      String root,
      String openOther,
      List<String> dependents,
      List<String> grandchildren,
      long settledIfApplied) {}

  private Graph writeGraph(String name, boolean fail) throws Exception {
    String teamId;
    Path teamDir;
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      Team team = ns.newTeam(name).create();
      teamId = team.id();
      teamDir = team.dir();
      if (fail) {
        team.tasks().failurePolicy(FailurePolicy.FAIL_DEPENDENTS);
      }
    }
    Path tasksDir = teamDir.resolve("tasks");
    Files.createDirectories(tasksDir);
    String root = "task-a0000000";
    String doneOther = "task-a0000001";
    String openOther = "task-a0000002";
    write(tasksDir, teamId, root, "running");
    write(tasksDir, teamId, doneOther, "done");
    write(tasksDir, teamId, openOther, "pending");
    List<String> dependents = new ArrayList<>();
    List<String> grandchildren = new ArrayList<>();
    long settled = 0;
    for (int i = 0; i < DEPENDENTS; i++) {
      String id = String.format("task-b%07x", i);
      dependents.add(id);
      if (i % 10 == 0) {
        write(tasksDir, teamId, id, "blocked", root, openOther);
        settled += fail ? 1 : 0;
      } else if (i % 10 == 1) {
        write(tasksDir, teamId, id, "blocked", root, doneOther);
        settled++;
      } else {
        write(tasksDir, teamId, id, "blocked", root);
        settled++;
      }
      if (i < GRANDCHILDREN) {
        String gc = String.format("task-c%07x", i);
        grandchildren.add(gc);
        write(tasksDir, teamId, gc, "blocked", id);
      }
    }
    return new Graph(teamId, teamDir, root, openOther, dependents, grandchildren, settled);
  }

  private static void write(Path dir, String team, String id, String status, String... deps)
      throws Exception {
    StringBuilder blocked = new StringBuilder();
    for (int i = 0; i < deps.length; i++) {
      blocked.append(i == 0 ? "\n" : ",\n").append("    \"").append(deps[i]).append('"');
    }
    String json = "{\n  \"task_id\": \"" + id + "\",\n  \"team_id\": \"" + team + "\",\n"
        + "  \"title\": \"" + id + "\",\n  \"agent_id\": null,\n  \"status\": \"" + status
        + "\",\n  \"blocked_by\": [" + blocked + (deps.length == 0 ? "" : "\n  ")
        + "],\n  \"metadata\": {},\n  \"created_at\": \"2026-11-21T19:00:00.000000+00:00\",\n"
        + "  \"updated_at\": \"2026-11-21T19:00:00.000000+00:00\"\n}\n";
    Files.writeString(dir.resolve(id + ".json"), json, StandardCharsets.UTF_8);
  }

  private static Map<String, Task> readAll(Path teamDir) throws Exception {
    Map<String, Task> all = new HashMap<>();
    try (Stream<Path> s = Files.list(teamDir.resolve("tasks"))) {
      for (Path f : (Iterable<Path>) s::iterator) {
        String n = f.getFileName().toString();
        if (n.endsWith(".json") && !n.startsWith(".")) {
          Task t = TaskCodec.decode(Json.parseObject(Files.readAllBytes(f)));
          all.put(t.id(), t);
        }
      }
    }
    return all;
  }
}
