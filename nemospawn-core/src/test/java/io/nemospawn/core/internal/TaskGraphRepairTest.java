package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.FailurePolicy;
import io.nemospawn.task.GraphCheck;
import io.nemospawn.task.GraphProblem;
import io.nemospawn.task.GraphRepair;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import io.nemospawn.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 12, item 3: a completion must not strand dependents, whatever the dependents index says
 * and wherever a crash stopped it; {@code check} finds what the invariants forbid and {@code
 * repair} fixes it. Crashes are reproduced here by the state they leave (a journal entry, a done
 * task with blocked dependents); {@link TaskCompletionCrashIT} kills real processes.
 */
class TaskGraphRepairTest {
  @TempDir
  Path dir;

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-21T19:00:00Z"));
  final InstantSource clock = () -> now.get();
  NemoSpawn ns;
  Team team;
  Tasks tasks;

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(clock)
        .open();
    team = ns.newTeam("dag").create();
    tasks = team.tasks();
  }

  @AfterEach
  void close() {
    ns.close();
  }

  private Path indexEntry(String taskId) {
    return team.dir().resolve(".index/dependents/" + taskId + ".json");
  }

  private Path taskFile(String taskId) {
    return team.dir().resolve("tasks/" + taskId + ".json");
  }

  private Path journalDir() {
    return team.dir().resolve(".journal");
  }

  /** Rewrites a task file by hand, as a crash of an older version or another tool leaves it. */
  private void setStatus(String taskId, String status) throws Exception {
    Path f = taskFile(taskId);
    ObjectNode n = Json.parseObject(Files.readAllBytes(f));
    n.put("status", status);
    Files.write(f, Json.bytes(n));
  }

  private List<String> journalEntries() throws Exception {
    if (!Files.isDirectory(journalDir())) {
      return List.of();
    }
    try (var s = Files.list(journalDir())) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  // ---------------------------------------------------------------- team status

  @Test
  void teamStatusCarriesTheGraphCheckOfTheSameRead() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    assertThat(team.status().graph().isClean()).isTrue();
    setStatus(a.id(), "done"); // b is now stranded: blocked with every dependency done
    Files.writeString(taskFile("task-0badf00d"), "{\"id\": ");

    io.nemospawn.TeamStatus s = team.status();

    assertThat(s.graph()).isEqualTo(tasks.check());
    assertThat(s.graph().problems())
        .extracting(io.nemospawn.task.GraphProblem::kind)
        .containsExactlyInAnyOrder(
            io.nemospawn.task.GraphProblem.Kind.STRANDED_TASK,
            io.nemospawn.task.GraphProblem.Kind.CORRUPT_RECORD);
    assertThat(s.problems()).isEqualTo(1);
    assertThat(s.tasks().get(TaskState.BLOCKED)).isEqualTo(1);
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.BLOCKED);
  }

  // ---------------------------------------------------------------- stale or invalid index

  @Test
  void indexEntryMissingADependentDoesNotStrandIt() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(a.id()));
    // A valid file that lacks c, as a hand edit or a stale copy leaves it.
    Files.writeString(
        indexEntry(a.id()),
        "{\"task_id\": \"" + a.id() + "\", \"dependents\": [\"" + b.id() + "\"]}\n");

    tasks.complete(a.id());

    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(Json.strings(Json.parseObject(Files.readAllBytes(indexEntry(a.id()))), "dependents"))
        .as("rebuilt")
        .containsExactlyInAnyOrder(b.id(), c.id());
    assertThat(tasks.check().isClean()).isTrue();
  }

  @Test
  void indexEntryOfTheWrongTypeIsRebuiltBeforeAnythingIsSaved() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Files.writeString(
        indexEntry(a.id()),
        "{\"task_id\": \"" + a.id() + "\", \"dependents\": \"" + b.id() + "\"}\n");

    // Used to fail with "field 'dependents' must be a list" after a was saved as done.
    Task done = tasks.complete(a.id());

    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void indexEntryWithAnInvalidIdIsRebuiltAndStrandsNothing() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(a.id()));
    Files.writeString(
        indexEntry(a.id()),
        "{\"task_id\": \"" + a.id() + "\", \"dependents\": [\"../../escape\", \"" + b.id()
            + "\"]}\n");

    tasks.complete(a.id());

    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(dir.resolve("escape.json")).doesNotExist();
  }

  @Test
  void unparseableIndexEntryIsRebuilt() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Files.writeString(indexEntry(a.id()), "{\"task_id\": ");

    tasks.complete(a.id());

    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void checkReportsEveryBadIndexEntryWithItsPathAndRepairRebuildsTheIndex() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(b.id()));
    // a's entry edited by hand (its checksum kept), b's replaced by one of the wrong type.
    ObjectNode edited = Json.parseObject(Files.readAllBytes(indexEntry(a.id())));
    Json.putList(edited, "dependents", List.of());
    Files.write(indexEntry(a.id()), Json.bytes(edited));
    Files.writeString(indexEntry(b.id()), "{\"task_id\": \"" + b.id() + "\", \"dependents\": 7}\n");

    GraphCheck check = tasks.check();

    assertThat(check.problems())
        .extracting(GraphProblem::kind, GraphProblem::path)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                GraphProblem.Kind.INDEX_MISMATCH, indexEntry(a.id())),
            org.assertj.core.groups.Tuple.tuple(
                GraphProblem.Kind.INDEX_MISMATCH, indexEntry(b.id())));
    GraphProblem ofA = check.problems().stream()
        .filter(p -> p.path().equals(indexEntry(a.id())))
        .findFirst()
        .orElseThrow();
    GraphProblem ofB = check.problems().stream()
        .filter(p -> p.path().equals(indexEntry(b.id())))
        .findFirst()
        .orElseThrow();
    assertThat(ofA.description())
        .isEqualTo("dependents index entry: its crc32c checksum does not match its dependents"
            + " (edited by hand?)");
    assertThat(ofB.description())
        .isEqualTo(
            "dependents index entry: field 'dependents' must be a list of task ids," + " found 7");
    assertThat(ofA.fix())
        .isEqualTo("repair team " + team.id()
            + " (Tasks.repair()), which rebuilds the index from the task files");
    // Read-only: the bad entry is still there.
    assertThat(Files.readString(indexEntry(b.id()))).contains("\"dependents\": 7");

    GraphRepair repair = tasks.repair();

    assertThat(repair.changes()).hasSize(1);
    assertThat(repair.changes().get(0))
        .startsWith("rebuilt the dependents index " + team.dir().resolve(".index")
            + ": 2 entries disagreed with the tasks");
    assertThat(repair.remaining().isClean()).isTrue();
    assertThat(tasks.check().isClean()).isTrue();
    assertThat(c.blockedBy()).containsExactly(b.id());
  }

  // ---------------------------------------------------------------- stranded tasks

  @Test
  void checkFindsAStrandedTaskAndRepairUnblocksExactlyIt() throws Exception {
    Task a = tasks.create("a");
    Task other = tasks.create("other");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(a.id(), other.id()));
    Task hold = tasks.create("hold");
    tasks.update(hold.id(), TaskUpdate.of(TaskState.BLOCKED));
    tasks.complete(a.id());
    // As a completion killed part-way by an older version leaves it: a done, b still blocked.
    setStatus(b.id(), "blocked");

    GraphCheck check = tasks.check();

    assertThat(check.problems()).hasSize(1);
    GraphProblem p = check.problems().get(0);
    assertThat(p.kind()).isEqualTo(GraphProblem.Kind.STRANDED_TASK);
    assertThat(p.path()).isEqualTo(taskFile(b.id()));
    assertThat(p.taskId()).isEqualTo(b.id());
    assertThat(p.description())
        .isEqualTo(
            "task " + b.id() + " is blocked but its dependencies are all done: [" + a.id() + "]");
    assertThat(tasks.get(b.id()).state()).as("check changes nothing").isEqualTo(TaskState.BLOCKED);

    GraphRepair repair = tasks.repair();

    assertThat(repair.changes())
        .containsExactly(
            "unblocked task " + b.id() + ": its dependencies [" + a.id() + "] are all done");
    assertThat(repair.remaining().isClean()).isTrue();
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(c.id()).state()).as("other is not done").isEqualTo(TaskState.BLOCKED);
    assertThat(tasks.get(hold.id()).state()).as("a hold by hand").isEqualTo(TaskState.BLOCKED);
    assertThat(tasks.repair().changes()).as("idempotent").isEmpty();
  }

  @Test
  void completingADoneTaskAgainRepairsItsStrandedDependents() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(a.id()));
    tasks.complete(a.id());
    setStatus(b.id(), "blocked");
    setStatus(c.id(), "blocked");

    tasks.complete(a.id());

    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(journalEntries()).isEmpty();
  }

  // ---------------------------------------------------------------- journal

  /** Writes the journal entry a completion of {@code a} writes before anything else. */
  private void journalCompletion(Task a, TaskState from, TaskState to) throws Exception {
    ObjectNode record = Json.parseObject(Files.readAllBytes(taskFile(a.id())));
    record.put("status", to.wireName());
    record.put("updated_at", "2026-11-21T19:05:00.000000+00:00");
    ObjectNode e = Json.object();
    e.put("version", 1);
    e.put("op", "task.update");
    e.put("task_id", a.id());
    e.put("from", from.wireName());
    e.put("from_updated_at", io.nemospawn.spi.StateFormat.formatTimestamp(a.updatedAt()));
    e.put("status", to.wireName());
    e.set("record", record);
    Files.createDirectories(journalDir());
    Files.write(
        journalDir().resolve("2026-11-21T19-05-00.000000+00-00_0000abcd.json"), Json.bytes(e));
  }

  @Test
  void anEntryLeftBeforeTheTaskWasWrittenIsRolledForwardByTheNextList() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    journalCompletion(a, TaskState.PENDING, TaskState.DONE);

    assertThat(tasks.check().problems())
        .extracting(GraphProblem::kind, GraphProblem::taskId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(GraphProblem.Kind.PENDING_JOURNAL, a.id()));

    var listed = tasks.list().items();

    assertThat(listed)
        .extracting(Task::id, Task::state)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(a.id(), TaskState.DONE),
            org.assertj.core.groups.Tuple.tuple(b.id(), TaskState.PENDING));
    assertThat(journalEntries()).isEmpty();
    assertThat(tasks.check().isClean()).isTrue();
    assertThat(Files.readString(dir.resolve("audit.jsonl"))).contains("task.roll_forward");
    assertThat(b.state()).isEqualTo(TaskState.BLOCKED);
  }

  @Test
  void anEntryLeftAfterTheTaskWasWrittenFinishesTheDependentsOnTheNextOperation() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(a.id()));
    Task unrelated = tasks.create("unrelated");
    journalCompletion(a, TaskState.PENDING, TaskState.DONE);
    // The crash hit after a and b were written, before c.
    setStatus(a.id(), "done");
    setStatus(b.id(), "pending");

    tasks.update(unrelated.id(), TaskUpdate.none().withMetadata("k", 1));

    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(journalEntries()).isEmpty();
  }

  @Test
  void anInterruptedFailurePropagationIsFinishedThroughDependentsItAlreadyFailed()
      throws Exception {
    tasks.failurePolicy(FailurePolicy.FAIL_DEPENDENTS);
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(b.id()));
    journalCompletion(a, TaskState.PENDING, TaskState.FAILED);
    // The crash hit after a and b were failed, before c.
    setStatus(a.id(), "failed");
    setStatus(b.id(), "failed");

    assertThat(tasks.list(TaskState.FAILED))
        .extracting(Task::id)
        .containsExactlyInAnyOrder(a.id(), b.id(), c.id());
    assertThat(tasks.get(c.id()).metadata()).containsEntry("failed_dependency", a.id());
    assertThat(journalEntries()).isEmpty();
  }

  @Test
  void failingAFailedTaskAgainFailsTheDependentsACrashLeftBehind() throws Exception {
    tasks.failurePolicy(FailurePolicy.FAIL_DEPENDENTS);
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(b.id()));
    tasks.fail(a.id(), "oom");
    setStatus(c.id(), "blocked");

    tasks.fail(a.id(), "oom");

    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.FAILED);
  }

  @Test
  void anUnreadableJournalEntryIsReportedLeftAloneByOperationsAndRemovedByRepair()
      throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Files.createDirectories(journalDir());
    Path bad = journalDir().resolve("2026-11-21T19-05-00.000000+00-00_0000dead.json");
    Files.writeString(bad, "{\"task_id\": 42}\n");
    tasks.complete(a.id());
    setStatus(b.id(), "blocked");

    GraphCheck check = tasks.check();
    assertThat(check.problems())
        .extracting(GraphProblem::kind, GraphProblem::path)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(GraphProblem.Kind.PENDING_JOURNAL, bad),
            org.assertj.core.groups.Tuple.tuple(GraphProblem.Kind.STRANDED_TASK, taskFile(b.id())));

    GraphRepair repair = tasks.repair();

    assertThat(repair.changes()).hasSize(2);
    assertThat(repair.changes().get(0)).startsWith("removed unreadable journal entry " + bad);
    assertThat(repair.changes().get(1)).startsWith("unblocked task " + b.id());
    assertThat(bad).doesNotExist();
    assertThat(tasks.check().isClean()).isTrue();
  }

  @Test
  void anEntryWhoseTaskCannotBeReadIsKeptAndReported() throws Exception {
    Task a = tasks.create("a");
    tasks.create(TaskSpec.of("b").after(a.id()));
    journalCompletion(a, TaskState.PENDING, TaskState.DONE);
    Files.writeString(taskFile(a.id()), "{\"task_id\": ");

    tasks.list();

    assertThat(journalEntries()).hasSize(1);
    assertThat(tasks.check().problems())
        .extracting(GraphProblem::kind)
        .containsExactly(GraphProblem.Kind.PENDING_JOURNAL, GraphProblem.Kind.CORRUPT_RECORD);
  }

  @Test
  void aCompletionWithoutDependentsToChangeWritesNoJournalEntry() throws Exception {
    Task a = tasks.create("a");
    tasks.complete(a.id());
    assertThat(journalDir()).doesNotExist();
  }
}
