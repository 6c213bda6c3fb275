package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AuditChain;
import io.nemospawn.task.FailurePolicy;
import io.nemospawn.task.GraphProblem;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskGraph;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.Tasks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Tasks#createAll}: one batch, all or nothing, also across a crash. */
class TaskBatchTest {
  @TempDir
  Path dir;

  NemoSpawn ns;

  @AfterEach
  void close() {
    if (ns != null) {
      ns.close();
    }
  }

  Team open(Durability durability) {
    ns = NemoSpawn.builder().dataDir(dir).durability(durability).open();
    return ns.newTeam("batch").create();
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void createAllWritesEveryTaskInOrderWithItsStateIndexAndAuditLines(Durability durability)
      throws Exception {
    Team team = open(durability);
    Tasks tasks = team.tasks();
    Task open = tasks.create("open");
    Task done = tasks.create("done");
    tasks.complete(done.id());
    Task failed = tasks.create("failed");
    tasks.fail(failed.id(), "broken");
    tasks.failurePolicy(FailurePolicy.FAIL_DEPENDENTS);
    List<TaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      specs.add(TaskSpec.of("t" + i));
    }
    specs.add(TaskSpec.of("after open").after(open.id()));
    specs.add(TaskSpec.of("after done").after(done.id()));
    specs.add(TaskSpec.of("after failed").after(failed.id()));
    specs.add(TaskSpec.of("after open 2").after(open.id(), done.id()));
    List<Task> made = tasks.createAll(specs);

    assertThat(made)
        .extracting(Task::title)
        .containsExactlyElementsOf(specs.stream().map(TaskSpec::title).toList());
    assertThat(made.subList(0, 50)).allMatch(t -> t.state() == TaskState.PENDING);
    assertThat(made.get(50).state()).isEqualTo(TaskState.BLOCKED);
    assertThat(made.get(51).state()).isEqualTo(TaskState.PENDING);
    assertThat(made.get(52).state()).isEqualTo(TaskState.FAILED);
    assertThat(made.get(52).metadata()).containsEntry("failed_dependency", failed.id());
    assertThat(made.get(53).state()).isEqualTo(TaskState.BLOCKED);
    for (Task t : made) {
      // Equal as written (the file keeps microseconds, the returned task the clock's nanoseconds).
      assertThat(tasks.get(t.id()))
          .usingRecursiveComparison()
          .ignoringFields("createdAt", "updatedAt")
          .isEqualTo(t);
    }
    assertThat(tasks.list().items()).hasSize(3 + specs.size());
    // No journal entry is left once the barrier has run; the index knows the new edges:
    // completing "open" unblocks both.
    assertThat(((FileTasks) tasks).awaitBarriers(Duration.ofMinutes(1))).isTrue();
    assertThat(journalEntries(team)).isEmpty();
    assertThat(tasks.check().problems()).isEmpty();
    tasks.complete(open.id());
    assertThat(tasks.get(made.get(50).id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(made.get(53).id()).state()).isEqualTo(TaskState.PENDING);
    // One audit line per task, chained like separate appends.
    List<String> lines = Files.readAllLines(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8);
    long creates = lines.stream()
        .filter(l -> l.contains("\"event\":\"task.create\""))
        .filter(l -> made.stream().anyMatch(t -> l.contains(t.id())))
        .count();
    assertThat(creates).isEqualTo(specs.size());
    assertThat(AuditChain.verify(AuditChain.files(dir)).intact()).isTrue();
  }

  @Test
  void aBatchWithAnUnknownDependencyWritesNothing() {
    Tasks tasks = open(Durability.NONE).tasks();
    assertThatThrownBy(() ->
            tasks.createAll(List.of(TaskSpec.of("ok"), TaskSpec.of("bad").after("task-0000dead"))))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("depends on unknown task 'task-0000dead'");
    assertThat(tasks.list().items()).isEmpty();
    assertThat(tasks.createAll(List.of())).isEmpty();
  }

  @Test
  void aBatchLeftHalfWrittenByADeadProcessIsRemovedByTheNextOperation() throws Exception {
    Team team = open(Durability.NONE);
    Tasks tasks = team.tasks();
    Task before = tasks.create("before");
    List<Task> made =
        tasks.createAll(List.of(TaskSpec.of("a"), TaskSpec.of("b").after(before.id())));
    // What a process killed inside createAll leaves: its journal entry, some of its task files
    // (one of them empty: cut short), and the index not yet told. A task of another writer that
    // happens to have an id of the entry (other created_at) is not touched.
    String stamp =
        Json.text(Json.parseObject(Files.readAllBytes(file(team, made.get(0).id()))), "created_at");
    Path entry =
        team.dir().resolve(".journal").resolve("2026-12-04T00-00-00.000000+00-00_0badc0de.json");
    Files.createDirectories(entry.getParent());
    String emptyId = "task-0000e000";
    String foreignId = before.id();
    Files.writeString(
        entry,
        "{\"version\": 1, \"op\": \"task.create_batch\", \"created_at\": \""
            + stamp + "\", \"task_ids\": [\"" + made.get(0).id() + "\", \""
            + made.get(1).id()
            + "\", \"" + emptyId + "\", \"" + foreignId + "\", \"task-0000abcd\"]}\n");
    Files.write(file(team, emptyId), new byte[0]);
    assertThat(tasks.check().problems())
        .extracting(GraphProblem::kind)
        .contains(GraphProblem.Kind.PENDING_JOURNAL);

    // The next read settles it first: the batch is gone, all of it; the other task stays.
    assertThat(tasks.list().items()).extracting(Task::id).containsExactly(before.id());
    assertThat(Files.exists(file(team, emptyId))).isFalse();
    assertThat(journalEntries(team)).isEmpty();
    assertThat(tasks.check().problems()).isEmpty();
    assertThat(Files.readString(dir.resolve("audit.jsonl")))
        .contains("\"event\":\"task.create_rolled_back\"")
        .contains("\"tasks_removed\":3");
  }

  @Test
  void anUnreadableBatchEntryIsReportedAndRemovedByARepair() throws Exception {
    Team team = open(Durability.NONE);
    Tasks tasks = team.tasks();
    Path entry =
        team.dir().resolve(".journal").resolve("2026-12-04T00-00-00.000000+00-00_0badc0de.json");
    Files.createDirectories(entry.getParent());
    Files.writeString(entry, "{\"version\": 1, \"op\": \"task.create_batch\", \"task_ids\": 7}\n");
    tasks.create("still works");
    assertThat(tasks.check().problems()).hasSize(1);
    assertThat(tasks.repair().changes())
        .anyMatch(c -> c.contains("removed unreadable journal entry")
            && c.contains("field 'task_ids' must be a list of task ids"));
    assertThat(tasks.check().problems()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void anIdTakenByAWriterWithoutTheLockIsRedrawnAndTheEntryNamesTheNewOneFirst(
      Durability durability) throws Exception {
    Team team = open(durability);
    Tasks tasks = team.tasks();
    // NemoSpawn 1.0 takes no lock: it may create a task file under an id that the batch has drawn,
    // between the batch's journal entry and its file. The guard runs just before each file is
    // created, so it plays that writer once, on the batch's first file.
    String foreign = "{\"task_id\": \"%s\", \"team_id\": \"%s\", \"title\": \"by 1.0\", "
        + "\"agent_id\": null, \"status\": \"pending\", \"blocked_by\": [], \"metadata\": {}, "
        + "\"created_at\": \"2026-12-05T00:00:00+00:00\","
        + " \"updated_at\": \"2026-12-05T00:00:00+00:00\"}\n";
    List<String> creates = new ArrayList<>();
    List<String> entriesSeen = new ArrayList<>();
    ((FileNemoSpawn) ns).store().guard((file, what) -> {
      if (!what.startsWith("create task-")) {
        return;
      }
      String id = file.getFileName().toString().replace(".json", "");
      creates.add(id);
      try {
        if (creates.size() == 1) {
          Files.writeString(file, foreign.formatted(id, team.id()));
        } else if (creates.size() == 2) {
          List<Path> entries = journalEntries(team);
          assertThat(entries).hasSize(1);
          entriesSeen.add(Files.readString(entries.get(0)));
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Map<String, Task> made = tasks.submit(TaskGraph.builder()
        .task("a", TaskSpec.of("a"))
        .task("b", TaskSpec.of("b"), "a")
        .task("c", TaskSpec.of("c"), "a", "b")
        .build());

    String taken = creates.get(0);
    String a = made.get("a").id();
    assertThat(a).isNotEqualTo(taken);
    assertThat(creates)
        .containsExactly(taken, a, made.get("b").id(), made.get("c").id());
    // The entry named the redrawn id, and the records that depend on it, before its file existed.
    assertThat(entriesSeen.get(0)).contains(a).doesNotContain(taken);
    assertThat(made.get("b").blockedBy()).containsExactly(a);
    assertThat(tasks.get(made.get("c").id()).blockedBy())
        .containsExactly(a, made.get("b").id());
    // The other writer's task is untouched; the batch is whole and its entry gone.
    assertThat(Files.readString(file(team, taken))).isEqualTo(foreign.formatted(taken, team.id()));
    assertThat(((FileTasks) tasks).awaitBarriers(Duration.ofMinutes(1))).isTrue();
    assertThat(journalEntries(team)).isEmpty();
    assertThat(tasks.list().items())
        .extracting(Task::title)
        .containsExactlyInAnyOrder("by 1.0", "a", "b", "c");
    assertThat(tasks.check().problems()).isEmpty();
    tasks.complete(a);
    assertThat(tasks.get(made.get("b").id()).state()).isEqualTo(TaskState.PENDING);
  }

  private static Path file(Team team, String id) {
    return team.dir().resolve("tasks").resolve(id + ".json");
  }

  private static List<Path> journalEntries(Team team) throws Exception {
    Path j = team.dir().resolve(".journal");
    if (!Files.isDirectory(j)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(j)) {
      return s.toList();
    }
  }
}
