package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.ops.Snapshots;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.Tasks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 19: a durable {@code createAll} is committed by its journal entry alone, and its task files
 * are forced afterwards ({@link BatchBarriers}). The barriers are held back here to play a process
 * that ended, or a machine that stopped, before them.
 */
class TaskBatchBarrierTest {
  static final String BOOT = "0123456789abcdef0123456789abcdef";
  static final String NEXT_BOOT = "fedcba9876543210fedcba9876543210";

  @TempDir
  Path dir;

  final List<Runnable> held = new ArrayList<>();
  final List<NemoSpawn> opened = new ArrayList<>();
  Supplier<Optional<String>> bootIdBefore;
  Executor executorBefore;

  @BeforeEach
  void holdBarriers() {
    bootIdBefore = BatchBarriers.bootIdSource;
    executorBefore = BatchBarriers.executor;
    BatchBarriers.bootIdSource = () -> Optional.of(BOOT);
    BatchBarriers.executor = held::add;
  }

  @AfterEach
  void restore() {
    // Ended "processes" are closed only now: their barriers run first, and find nothing to do.
    runHeld();
    BatchBarriers.bootIdSource = bootIdBefore;
    BatchBarriers.executor = executorBefore;
    opened.forEach(NemoSpawn::close);
  }

  void runHeld() {
    List<Runnable> now = List.copyOf(held);
    held.clear();
    now.forEach(Runnable::run);
  }

  Team open(Durability durability) {
    NemoSpawn ns = NemoSpawn.builder().dataDir(dir).durability(durability).open();
    opened.add(ns);
    return ns.findTeam("batch").orElseGet(() -> ns.newTeam("batch").create());
  }

  static List<TaskSpec> specs(int n, String root) {
    List<TaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      specs.add(i % 3 == 0 ? TaskSpec.of("t" + i).after(root) : TaskSpec.of("t" + i));
    }
    return specs;
  }

  @Test
  void aDurableBatchIsCommittedByItsEntryAndItsFilesAreForcedAfterwards() throws Exception {
    Team team = open(Durability.FSYNC);
    Tasks tasks = team.tasks();
    Task root = tasks.create("root");
    List<Task> made = tasks.createAll(specs(20, root.id()));

    // Returned before the barrier: the entry holds every record, under this boot's name.
    List<Path> entries = journal(team);
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).getFileName().toString()).endsWith("_" + BOOT + ".unforced");
    ObjectNode e = Json.parseObject(Files.readAllBytes(entries.get(0)));
    assertThat(Json.text(e, "op")).isEqualTo(FileTasks.CREATE_COMMITTED);
    assertThat(Json.text(e, "boot_id")).isEqualTo(BOOT);
    assertThat(e.path("records").size()).isEqualTo(20);
    assertThat(e.path("records").get(7).path("title").asString()).isEqualTo("t7");
    // Not an interrupted operation: reads and checks leave it alone.
    assertThat(tasks.check().problems()).isEmpty();
    assertThat(tasks.list().items()).hasSize(21);
    assertThat(audit()).doesNotContain("task.create_rolled_forward");
    assertThat(held).hasSize(1);

    runHeld();
    assertThat(journal(team)).isEmpty();
    assertThat(((FileTasks) tasks).awaitBarriers(Duration.ofSeconds(10))).isTrue();
    for (Task t : made) {
      assertThat(tasks.get(t.id()).title()).isEqualTo(t.title());
    }
  }

  @Test
  void afterARestartACommittedBatchIsWrittenAgainFromItsEntry() throws Exception {
    Team team = open(Durability.FSYNC);
    Tasks tasks = team.tasks();
    Task root = tasks.create("root");
    List<Task> made = tasks.createAll(specs(20, root.id()));
    tasks.complete(made.get(1).id()); // changed since: left as it is
    // The machine stops before the barrier: some files never reached the disk, some are torn.
    Files.delete(file(team, made.get(3).id()));
    Files.delete(file(team, made.get(4).id()));
    Path empty = file(team, made.get(6).id());
    Files.write(empty, new byte[0]);
    Files.setLastModifiedTime(empty, FileTime.from(Instant.now().minusSeconds(120)));
    Files.writeString(
        file(team, made.get(9).id()), "{\"task_id\": \"" + made.get(9).id());
    Files.write(file(team, made.get(10).id()), new byte[0]); // fresh: reads as not yet written

    // The next boot: another process's first read rolls it forward.
    BatchBarriers.bootIdSource = () -> Optional.of(NEXT_BOOT);
    BatchBarriers.executor = executorBefore;
    Team again = open(Durability.FSYNC);
    Tasks after = again.tasks();
    // A check sees the entry (and the torn files), and changes nothing.
    assertThat(after.check().problems())
        .anySatisfy(p -> assertThat(p.description()).contains("was committed"))
        .hasSize(3);
    Map<String, Task> byId =
        after.list().items().stream().collect(Collectors.toMap(Task::id, Function.identity()));
    assertThat(byId).hasSize(21);
    for (Task t : made) {
      assertThat(byId.get(t.id()).title()).isEqualTo(t.title());
      assertThat(byId.get(t.id()).blockedBy()).isEqualTo(t.blockedBy());
    }
    assertThat(byId.get(made.get(1).id()).state()).isEqualTo(TaskState.DONE);
    assertThat(journal(again)).isEmpty();
    assertThat(audit())
        .contains("\"event\":\"task.create_rolled_forward\"")
        .contains("\"tasks_written\":5");
    assertThat(after.check().problems()).isEmpty();
    // The index was rebuilt: completing the root unblocks the batch's dependents.
    after.complete(root.id());
    for (Task t : made) {
      if (t.blockedBy().contains(root.id())) {
        assertThat(after.get(t.id()).state()).as(t.title()).isEqualTo(TaskState.PENDING);
      }
    }
  }

  @Test
  void anEntryOfThisBootThatAnEndedProcessLeftIsForcedByTheNextNotWrittenAgain() throws Exception {
    Team team = open(Durability.FSYNC);
    List<Task> made =
        team.tasks().createAll(specs(10, team.tasks().create("root").id()));
    FileTime written = Files.getLastModifiedTime(file(team, made.get(0).id()));

    BatchBarriers.executor = executorBefore;
    Team again = open(Durability.NONE);
    assertThat(again.tasks().list().items()).hasSize(11);
    assertThat(((FileTasks) again.tasks()).awaitBarriers(Duration.ofSeconds(30)))
        .isTrue();
    assertThat(journal(again)).isEmpty();
    assertThat(Files.getLastModifiedTime(file(team, made.get(0).id()))).isEqualTo(written);
    assertThat(audit()).doesNotContain("task.create_rolled_forward");
  }

  @Test
  void withoutABootIdADurableBatchForcesItsFilesBeforeItReturns() throws Exception {
    BatchBarriers.bootIdSource = Optional::empty;
    Team team = open(Durability.FSYNC);
    team.tasks().createAll(specs(10, team.tasks().create("root").id()));
    assertThat(held).isEmpty();
    assertThat(journal(team)).isEmpty();
  }

  @Test
  void aBatchWithoutFsyncIsNeverDeferred() throws Exception {
    Team team = open(Durability.NONE);
    team.tasks().createAll(specs(10, team.tasks().create("root").id()));
    assertThat(held).isEmpty();
    assertThat(journal(team)).isEmpty();
  }

  @Test
  void aRestoreDropsTheEntriesOfTheTasksItReplaces() throws Exception {
    Team team = open(Durability.FSYNC);
    Task root = team.tasks().create("root");
    Snapshots snapshots = Snapshots.of(team);
    String snapshot = snapshots.save("before").id();
    team.tasks().createAll(specs(10, root.id()));
    assertThat(journal(team)).hasSize(1);
    snapshots.restore(snapshot, false);
    assertThat(journal(team)).isEmpty();
    // Even after a restart, the batch does not come back into the restored tasks.
    BatchBarriers.bootIdSource = () -> Optional.of(NEXT_BOOT);
    assertThat(open(Durability.FSYNC).tasks().list().items())
        .extracting(Task::id)
        .containsExactly(root.id());
  }

  @Test
  void aBootIdIsReadAsThirtyTwoHexDigitsOrNotAtAll() throws Exception {
    Path f = dir.resolve("boot_id");
    Files.writeString(f, "6F5B1C1E-0A2B-4C3D-9E8F-0123456789AB\n");
    assertThat(BatchBarriers.readBootId(f)).contains("6f5b1c1e0a2b4c3d9e8f0123456789ab");
    Files.writeString(f, "../x\n");
    assertThat(BatchBarriers.readBootId(f)).isEmpty();
    assertThat(BatchBarriers.readBootId(dir.resolve("absent"))).isEmpty();
  }

  private String audit() throws Exception {
    return Files.readString(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8);
  }

  private static Path file(Team team, String id) {
    return team.dir().resolve("tasks").resolve(id + ".json");
  }

  private static List<Path> journal(Team team) throws Exception {
    Path j = team.dir().resolve(GraphJournal.DIR);
    if (!Files.isDirectory(j)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(j)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    }
  }
}
