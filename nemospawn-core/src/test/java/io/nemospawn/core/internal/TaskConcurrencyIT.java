package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight child JVMs make 200 mixed updates each through the API on one team: metadata writes on a
 * shared task (read-modify-write of one file by everyone), claims from a pool, messages to the
 * next worker with receipt of one's own, status and owner changes (5/8 metadata, 1/8 claims, 1/8
 * messages, 1/8 status and owner changes), and each completes one root task of a DAG. Afterwards
 * no update is lost, every pool task was claimed exactly once, every message sent was received
 * exactly once (the inboxes are drained at the end), and every dependent of the completed roots
 * is pending.
 */
class TaskConcurrencyIT {
  static final int PROCESSES = 8;
  static final int OPS = 200;

  @TempDir
  Path dir;

  @Test
  void eightProcessesLoseNoUpdateClaimEachTaskOnceAndStrandNoDependent() throws Exception {
    String teamId;
    String shared;
    List<String> own = new ArrayList<>();
    List<String> roots = new ArrayList<>();
    List<String> pool = new ArrayList<>();
    List<String> dependents = new ArrayList<>();
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      Team team = ns.newTeam("race").create();
      teamId = team.id();
      Tasks tasks = team.tasks();
      for (int p = 0; p < PROCESSES; p++) {
        team.agents().register("w" + p, "worker", List.of(), "");
      }
      shared = tasks.create(TaskSpec.of("shared").withOwner("keeper")).id();
      for (int p = 0; p < PROCESSES; p++) {
        // Owned by someone who never claims, so claims take only the pool.
        own.add(tasks.create(TaskSpec.of("own " + p).withOwner("keeper")).id());
        roots.add(tasks.create(TaskSpec.of("root " + p).withOwner("keeper")).id());
      }
      for (int i = 0; i < PROCESSES * OPS / 8; i++) {
        pool.add(tasks.create("pool " + i).id());
      }
      Random random = new Random(42);
      for (int i = 0; i < 40; i++) {
        String a = roots.get(random.nextInt(PROCESSES));
        String b = roots.get(random.nextInt(PROCESSES));
        dependents.add(tasks
            .create(TaskSpec.of("dependent " + i).after(a, b).withOwner("keeper"))
            .id());
      }
    }
    List<Process> children = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      children.add(Children.start(
          TaskWorkerMain.class,
          dir.resolve("worker-" + p + ".log"),
          "mixed",
          dir.toString(),
          teamId,
          "w" + p,
          String.valueOf(OPS),
          shared,
          own.get(p),
          roots.get(p),
          String.valueOf(PROCESSES)));
    }
    for (Process c : children) {
      assertThat(c.waitFor(5, TimeUnit.MINUTES)).isTrue();
    }
    for (int p = 0; p < PROCESSES; p++) {
      assertThat(children.get(p).exitValue())
          .as(Files.readString(dir.resolve("worker-" + p + ".log.err")))
          .isZero();
    }
    Map<String, String> claimedBy = new HashMap<>();
    List<String> metaKeys = new ArrayList<>();
    List<String> sent = new ArrayList<>();
    List<String> received = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      for (String line : Files.readAllLines(dir.resolve("worker-" + p + ".log"))) {
        if (line.startsWith("CLAIM ")) {
          String prev = claimedBy.put(line.substring(6), "w" + p);
          assertThat(prev).as("claimed twice: " + line).isNull();
        } else if (line.startsWith("META ")) {
          metaKeys.add(line.substring(5));
        } else if (line.startsWith("SENT ")) {
          sent.add(line.substring(5));
        } else if (line.startsWith("RECEIVED ")) {
          received.add(line.substring(9));
        }
      }
    }
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      Team team = ns.team(teamId);
      Tasks tasks = team.tasks();
      for (int p = 0; p < PROCESSES; p++) {
        team.inbox().receive("w" + p).forEach(m -> received.add(m.id()));
      }
      assertThat(sent).hasSize(PROCESSES * OPS / 8).doesNotHaveDuplicates();
      assertThat(received).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent);
      assertThat(metaKeys).hasSize(PROCESSES * OPS * 5 / 8);
      assertThat(tasks.get(shared).metadata()).containsKeys(metaKeys.toArray(String[]::new));
      assertThat(claimedBy.keySet()).containsExactlyInAnyOrderElementsOf(pool);
      for (Map.Entry<String, String> e : claimedBy.entrySet()) {
        Task t = tasks.get(e.getKey());
        assertThat(t.state()).isEqualTo(TaskState.RUNNING);
        assertThat(t.owner()).isEqualTo(e.getValue());
      }
      for (String r : roots) {
        assertThat(tasks.get(r).state()).isEqualTo(TaskState.DONE);
      }
      for (String d : dependents) {
        assertThat(tasks.get(d).state()).as(d).isEqualTo(TaskState.PENDING);
      }
      assertThat(tasks.list().problems()).isEmpty();
    }
  }
}
