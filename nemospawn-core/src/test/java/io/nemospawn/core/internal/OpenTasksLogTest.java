package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.Tasks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19: {@code claimNext} reads the open tasks from {@link OpenTasksLog}, not every task file,
 * and falls back to every file (rebuilding the log) whenever the log cannot be trusted.
 */
class OpenTasksLogTest {
  static final String BOOT = "0123456789abcdef0123456789abcdef";
  static final Duration HOUR = Duration.ofHours(1);

  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  Tasks tasks;
  RecordStore store;
  Supplier<Optional<String>> bootIdBefore;

  @BeforeEach
  void open() {
    bootIdBefore = BatchBarriers.bootIdSource;
    BatchBarriers.bootIdSource = () -> Optional.of(BOOT);
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("claims").create();
    tasks = team.tasks();
    store = ((FileTeam) team).context().store();
  }

  @AfterEach
  void close() {
    BatchBarriers.bootIdSource = bootIdBefore;
    ns.close();
  }

  Path log() {
    return team.dir().resolve(".index/open.log");
  }

  /** 300 tasks, all but the last ten done: the ten left open, oldest first. */
  List<Task> mostlyDone() {
    List<TaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      specs.add(TaskSpec.of("t" + i));
    }
    List<Task> made = new ArrayList<>(tasks.createAll(specs));
    made.sort((a, b) -> a.id().compareTo(b.id())); // one batch: one created_at, then by id
    for (Task t : made.subList(0, 290)) {
      tasks.complete(t.id());
    }
    return made.subList(290, 300);
  }

  @Test
  void aClaimReadsTheOpenTasksNotEveryTaskAndTakesTheOldestFirst() {
    List<Task> open = mostlyDone();
    // The first claim finds no log: it reads every task and writes the log.
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(0).id());
    assertThat(log()).exists();
    for (int i = 1; i < open.size(); i++) {
      long before = store.reads();
      assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(i).id());
      // The index meta, the running tasks before it (leases not expired) and the one it takes.
      assertThat(store.reads() - before).as("claim %d", i).isLessThan(i + 8);
    }
    assertThat(tasks.claimNext("a", HOUR)).isEmpty();
    // Completing closes them in the log too: it is back to nothing open.
    open.forEach(t -> tasks.complete(t.id()));
    long before = store.reads();
    assertThat(tasks.claimNext("a", HOUR)).isEmpty();
    assertThat(store.reads() - before).isLessThan(5);
  }

  @Test
  void aTaskThatAnotherToolOpensIsClaimedAllTheSame() throws Exception {
    List<Task> open = mostlyDone();
    assertThat(tasks.claimNext("a", HOUR)).isPresent(); // the log is written
    // As NemoSpawn 1.0 writes a task: no lock, no index, no log; older than every other one.
    Files.writeString(
        team.dir().resolve("tasks/task-0000beef.json"),
        "{\n  \"task_id\": \"task-0000beef\",\n  \"team_id\": \"" + team.id() + "\",\n"
            + "  \"title\": \"python\",\n  \"agent_id\": null,\n  \"status\": \"pending\",\n"
            + "  \"blocked_by\": [],\n  \"metadata\": {},\n"
            + "  \"created_at\": \"2026-11-21T19:00:00.000001+00:00\",\n"
            + "  \"updated_at\": \"2026-11-21T19:00:00.000001+00:00\"\n}\n");
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains("task-0000beef");
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(1).id());
  }

  @Test
  void aTaskThatAnOlderVersionOpensUnderTheLockIsClaimedAllTheSame() throws Exception {
    List<Task> open = mostlyDone();
    assertThat(tasks.claimNext("a", HOUR)).isPresent(); // the log is written
    // What a NemoSpawn for Java from before the log does: it writes the task through a temp file,
    // then records the directory's new state in the index meta (of its version, 2), so the
    // directory has not changed behind that meta.
    Path tasksDir = team.dir().resolve("tasks");
    Path tmp = tasksDir.resolve(".tmp-older");
    Files.writeString(
        tmp,
        "{\"task_id\": \"task-0000beef\", \"team_id\": \"" + team.id() + "\", \"title\": \"old\","
            + " \"agent_id\": null, \"status\": \"pending\", \"blocked_by\": [],"
            + " \"metadata\": {}, \"created_at\": \"2026-11-21T19:00:00.000001+00:00\","
            + " \"updated_at\": \"2026-11-21T19:00:00.000001+00:00\"}\n");
    Files.move(tmp, tasksDir.resolve("task-0000beef.json"), StandardCopyOption.ATOMIC_MOVE);
    long count;
    try (Stream<Path> s = Files.list(tasksDir)) {
      count = s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
    }
    Files.writeString(
        team.dir().resolve(".index/graph.json"),
        "{\"version\": 2, \"task_files\": " + count + ", \"tasks_dir_mtime_ns\": "
            + Files.getLastModifiedTime(tasksDir).to(TimeUnit.NANOSECONDS) + "}\n");
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains("task-0000beef");
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(1).id());
  }

  @Test
  void aLogOfAnotherBootIsRebuiltNotTrusted() throws Exception {
    List<Task> open = mostlyDone();
    assertThat(tasks.claimNext("a", HOUR)).isPresent();
    // A power loss took the log's tail (the line of the next open task) but not the task files.
    List<String> lines = new ArrayList<>(Files.readAllLines(log()));
    lines.removeIf(l -> l.endsWith(open.get(1).id()));
    Files.write(log(), lines);
    BatchBarriers.bootIdSource = () -> Optional.of("fedcba9876543210fedcba9876543210");
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(1).id());
    assertThat(Files.readString(log())).startsWith("nemospawn-open-tasks 1 fedcba98");
  }

  @Test
  void entriesLeftByAKilledOperationAreSkippedAndDropped() throws Exception {
    List<Task> open = mostlyDone();
    assertThat(tasks.claimNext("a", HOUR)).isPresent();
    // Killed after logging a task open but before writing its file, and one cut mid-line.
    Files.writeString(
        log(),
        "+00000000000000000001 task-0000dead\n+000000000",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(1).id());
    assertThat(Files.readString(log())).doesNotContain("task-0000dead");
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(2).id());
  }

  @Test
  void aLogNamingAHostileIdIsRebuiltWithoutReadingIt() throws Exception {
    List<Task> open = mostlyDone();
    assertThat(tasks.claimNext("a", HOUR)).isPresent();
    Files.writeString(dir.resolve("x.json"), "{\"status\": \"pending\"}");
    Files.writeString(
        log(),
        "+00000000000000000001 ../../../x\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(1).id());
    assertThat(Files.readString(log())).doesNotContain("../");
  }

  @Test
  void withoutABootIdClaimsReadEveryTaskAndNoLogIsKept() {
    BatchBarriers.bootIdSource = Optional::empty;
    List<Task> open = mostlyDone();
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(0).id());
    assertThat(log()).doesNotExist();
    long before = store.reads();
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(open.get(1).id());
    assertThat(store.reads() - before).isGreaterThanOrEqualTo(300);
  }

  @Test
  void aTaskUnblockedByACompletionIsClaimable() {
    mostlyDone().forEach(t -> tasks.complete(t.id()));
    assertThat(tasks.claimNext("a", HOUR)).isEmpty(); // the log is written, empty
    Task root = tasks.create("root");
    Task after = tasks.create(TaskSpec.of("after").after(root.id()));
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(root.id());
    assertThat(tasks.claimNext("a", HOUR)).isEmpty(); // "after" is blocked
    tasks.complete(root.id());
    assertThat(tasks.claimNext("a", HOUR)).map(Task::id).contains(after.id());
    assertThat(tasks.get(after.id()).state()).isEqualTo(TaskState.RUNNING);
  }
}
