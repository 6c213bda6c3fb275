package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.StateException;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.FailurePolicy;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskGraph;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import io.nemospawn.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTasksTest {
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

  @Test
  void taskWithoutDependenciesStartsPendingAndWithOpenOnesBlocked() {
    Task a = tasks.create("prepare");
    Task b = tasks.create(TaskSpec.of("train").after(a.id()));
    assertThat(a.state()).isEqualTo(TaskState.PENDING);
    assertThat(b.state()).isEqualTo(TaskState.BLOCKED);
    assertThat(b.blockedBy()).containsExactly(a.id());
  }

  @Test
  void dependencyAlreadyDoneStartsPending() {
    Task a = tasks.create("prepare");
    tasks.complete(a.id());
    Task b = tasks.create(TaskSpec.of("train").after(a.id()));
    assertThat(b.state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void completionUnblocksExactlyTheDependentsWhoseDependenciesAreAllDone() {
    Task a = tasks.create("a");
    Task b = tasks.create("b");
    Task onlyA = tasks.create(TaskSpec.of("only a").after(a.id()));
    Task both = tasks.create(TaskSpec.of("a and b").after(a.id(), b.id()));
    Task other = tasks.create(TaskSpec.of("only b").after(b.id()));
    tasks.complete(a.id());
    assertThat(tasks.get(onlyA.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(both.id()).state()).isEqualTo(TaskState.BLOCKED);
    assertThat(tasks.get(other.id()).state()).isEqualTo(TaskState.BLOCKED);
    tasks.complete(b.id());
    assertThat(tasks.get(both.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(other.id()).state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void failedDependencyKeepsDependentsBlockedByDefaultAndRetryUnblocksThem() {
    assertThat(tasks.failurePolicy()).isEqualTo(FailurePolicy.KEEP_BLOCKED);
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(b.id()));
    tasks.fail(a.id(), "OOM");
    assertThat(tasks.get(a.id()).metadata()).containsEntry("error", "OOM");
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.BLOCKED);
    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.BLOCKED);
    tasks.update(a.id(), TaskUpdate.of(TaskState.PENDING));
    tasks.complete(a.id());
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.BLOCKED);
  }

  @Test
  void failedDependencyFailsDependentsTransitivelyUnderFailDependents() throws Exception {
    tasks.failurePolicy(FailurePolicy.FAIL_DEPENDENTS);
    assertThat(tasks.failurePolicy()).isEqualTo(FailurePolicy.FAIL_DEPENDENTS);
    assertThat(Files.readString(team.dir().resolve("team.json")))
        .contains("\"failure_policy\": \"fail_dependents\"");
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    Task c = tasks.create(TaskSpec.of("c").after(b.id()));
    Task unrelated = tasks.create("d");
    tasks.cancel(a.id());
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.FAILED);
    assertThat(tasks.get(b.id()).metadata()).containsEntry("failed_dependency", a.id());
    assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.FAILED);
    assertThat(tasks.get(c.id()).metadata())
        .containsEntry("error", "dependency " + a.id() + " is cancelled");
    assertThat(tasks.get(unrelated.id()).state()).isEqualTo(TaskState.PENDING);
    Task late = tasks.create(TaskSpec.of("late").after(a.id()));
    assertThat(late.state()).isEqualTo(TaskState.FAILED);
    // A retried dependent waits for its dependency again.
    assertThat(tasks.update(b.id(), TaskUpdate.of(TaskState.PENDING)).state())
        .isEqualTo(TaskState.BLOCKED);
  }

  @Test
  void illegalTransitionNamesTheAllowedOnes() {
    Task a = tasks.create("a");
    tasks.complete(a.id());
    assertThatThrownBy(() -> tasks.update(a.id(), TaskUpdate.of(TaskState.RUNNING)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot move task " + a.id()
            + " from done to running; allowed from done: none (done is final)");
    Task b = tasks.create(TaskSpec.of("b").after(tasks.create("x").id()));
    assertThatThrownBy(() -> tasks.update(b.id(), TaskUpdate.of(TaskState.DONE)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot move task " + b.id()
            + " from blocked to done; allowed from blocked: pending, failed, cancelled");
    assertThatThrownBy(() -> tasks.update(b.id(), TaskUpdate.of(TaskState.PENDING)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot move task " + b.id()
            + " from blocked to pending: its dependencies are not done: task-");
  }

  @Test
  void unknownDependencyAndUnknownTaskAreNamed() {
    assertThatThrownBy(() -> tasks.create(TaskSpec.of("t").after("task-00000000")))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessage("Task 't' depends on unknown task 'task-00000000' in team " + team.id()
            + "; list the tasks with Tasks.list()");
    assertThatThrownBy(() -> tasks.get("task-12345678"))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessage(
            "No task 'task-12345678' in team " + team.id() + "; list the tasks with Tasks.list()");
    assertThatThrownBy(() -> tasks.update("../x", TaskUpdate.of(TaskState.DONE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid task id '../x': it contains '..'");
  }

  @Test
  void graphWithCycleIsRefusedAndGraphIsSubmittedInOrder() {
    assertThatThrownBy(() -> TaskGraph.builder()
            .task("a", TaskSpec.of("a"), "b")
            .task("b", TaskSpec.of("b"), "a")
            .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Task graph has a cycle: a -> b -> a");
    Task root = tasks.create("root");
    Map<String, Task> created = tasks.submit(TaskGraph.builder()
        .task("train", TaskSpec.of("train").after(root.id()))
        .task("eval", TaskSpec.of("eval"), "train")
        .build());
    assertThat(created.get("train").blockedBy()).containsExactly(root.id());
    assertThat(created.get("eval").blockedBy())
        .containsExactly(created.get("train").id());
    tasks.complete(root.id());
    assertThat(tasks.get(created.get("train").id()).state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void submitIsAllOrNothing() {
    TaskGraph g = TaskGraph.builder()
        .task("ok", TaskSpec.of("ok"))
        .task("bad", TaskSpec.of("bad").after("task-0000dead"))
        .build();
    assertThatThrownBy(() -> tasks.submit(g)).isInstanceOf(NoSuchElementException.class);
    assertThat(tasks.list().items()).isEmpty();
  }

  @Test
  void claimIsPendingToRunningWithLeaseAndExpiredLeaseReturnsToPending() {
    Task a = tasks.create("a");
    Task claimed = tasks.claim(a.id(), "trainer-1", Duration.ofSeconds(60));
    assertThat(claimed.state()).isEqualTo(TaskState.RUNNING);
    assertThat(claimed.owner()).isEqualTo("trainer-1");
    assertThat(claimed.lease().expiresAt()).isEqualTo(now.get().plusSeconds(60));
    assertThatThrownBy(() -> tasks.claim(a.id(), "trainer-2", Duration.ofSeconds(60)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot claim task " + a.id()
            + ": it is running (owner trainer-1), leased until 2026-11-21T19:01:00.000000+00:00;"
            + " only pending tasks can be claimed");
    now.set(now.get().plusSeconds(30));
    assertThat(tasks.renew(a.id(), "trainer-1", Duration.ofSeconds(60)).lease().expiresAt())
        .isEqualTo(now.get().plusSeconds(60));
    assertThat(tasks.reapExpiredLeases()).isEmpty();
    now.set(now.get().plusSeconds(61));
    List<Task> reaped = tasks.reapExpiredLeases();
    assertThat(reaped).extracting(Task::id).containsExactly(a.id());
    Task back = tasks.get(a.id());
    assertThat(back.state()).isEqualTo(TaskState.PENDING);
    assertThat(back.hasOwner()).isFalse();
    assertThat(back.lease().isPresent()).isFalse();
    assertThat(back.metadata()).containsEntry("lease_expired_from", "trainer-1");
  }

  @Test
  void claimNextTakesTheOldestFreeTaskAndTakesOverExpiredLeases() {
    Task a = tasks.create("a");
    now.set(now.get().plusSeconds(1));
    Task b = tasks.create(TaskSpec.of("b").withOwner("other"));
    now.set(now.get().plusSeconds(1));
    Task c = tasks.create("c");
    assertThat(tasks.claimNext("w1", Duration.ofSeconds(10))).map(Task::id).contains(a.id());
    assertThat(tasks.claimNext("w2", Duration.ofSeconds(10))).map(Task::id).contains(c.id());
    assertThat(tasks.claimNext("w3", Duration.ofSeconds(10))).isEmpty();
    assertThatThrownBy(() -> tasks.claim(b.id(), "w3", Duration.ofSeconds(10)))
        .hasMessage("Cannot claim task " + b.id() + " for w3: it is assigned to other;"
            + " reassign it to w3 first (Tasks.update)");
    now.set(now.get().plusSeconds(11));
    Task taken = tasks.claimNext("w3", Duration.ofSeconds(10)).orElseThrow();
    assertThat(taken.id()).isEqualTo(a.id());
    assertThat(taken.metadata()).containsEntry("reassigned_from", "w1");
  }

  @Test
  void concurrentClaimersExactlyOneWins() throws Exception {
    Task a = tasks.create("contested");
    int n = 6;
    CyclicBarrier barrier = new CyclicBarrier(n);
    List<String> winners = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String me = "w" + i;
      // Separate handles, as separate processes would have.
      Thread t = new Thread(() -> {
        try (NemoSpawn other =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
          Tasks ts = other.team(team.id()).tasks();
          barrier.await();
          ts.claim(a.id(), me, Duration.ofMinutes(5));
          winners.add(me);
        } catch (IllegalStateException lost) {
          // Lost the race.
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(winners).hasSize(1);
    assertThat(tasks.get(a.id()).owner()).isEqualTo(winners.get(0));
  }

  @Test
  void concurrentCompletionOfTwoDependenciesUnblocksTheDependentExactlyOnce() throws Exception {
    for (int round = 0; round < 5; round++) {
      Task a = tasks.create("a" + round);
      Task b = tasks.create("b" + round);
      Task c = tasks.create(TaskSpec.of("c" + round).after(a.id(), b.id()));
      CyclicBarrier barrier = new CyclicBarrier(2);
      List<Thread> threads = new ArrayList<>();
      for (String id : List.of(a.id(), b.id())) {
        Thread t = new Thread(() -> {
          try (NemoSpawn other =
              NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
            Tasks ts = other.team(team.id()).tasks();
            barrier.await();
            ts.complete(id);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(tasks.get(c.id()).state()).isEqualTo(TaskState.PENDING);
      assertThat(ns.audit().tail(10_000, team.id()))
          .filteredOn(e -> e.event().equals("task.unblock"))
          .filteredOn(e -> c.id().equals(e.details().get("task_id")))
          .hasSize(1);
    }
  }

  @Test
  void metadataAndValLossAreStoredAndUnknownFieldsKept() throws Exception {
    Task a = tasks.create(TaskSpec.of("a").withMetadata("lr", 3e-4));
    Path f = team.dir().resolve("tasks/" + a.id() + ".json");
    String text = Files.readString(f).replace("\"title\"", "\"python_only\": [1, 2],\n  \"title\"");
    Files.writeString(f, text);
    Task u = tasks.update(a.id(), TaskUpdate.none().withValLoss(0.231).withOwner("trainer"));
    assertThat(u.valLoss()).hasValue(0.231);
    assertThat(u.metadata()).containsEntry("lr", 3e-4);
    assertThat(Files.readString(f)).contains("\"python_only\"").contains("\"val_loss\": 0.231");
    assertThat(tasks.update(a.id(), TaskUpdate.none().withOwner("evaluator")).metadata())
        .containsEntry("reassigned_from", "trainer");
    assertThatThrownBy(() -> tasks.update(a.id(), TaskUpdate.none().withValLoss(Double.NaN)))
        .hasMessage("Invalid val_loss NaN: it must be a finite number");
  }

  @Test
  void corruptRecordsAreReportedAndTheRestStillList() throws Exception {
    Task good = tasks.create("good");
    Path tdir = team.dir().resolve("tasks");
    Files.writeString(tdir.resolve("task-0badbad0.json"), "{\"task_id\": ");
    Files.writeString(tdir.resolve("task-0badbad1.json"), "{\"task_id\": \"task-0badbad1\"}");
    Files.writeString(
        tdir.resolve("task-0badbad2.json"),
        "{\"task_id\": \"task-0badbad2\", \"team_id\": \"x\", \"title\": \"t\","
            + " \"blocked_by\": [\"../../etc\"]}");
    var listing = tasks.list();
    assertThat(listing.items()).extracting(Task::id).containsExactly(good.id());
    assertThat(listing.problems())
        .extracting(p -> p.path().getFileName().toString() + ": " + p.reason())
        .containsExactlyInAnyOrder(
            "task-0badbad1.json: required field 'team_id' is missing",
            "task-0badbad2.json: field 'blocked_by' holds an invalid task id '../../etc'",
            "task-0badbad0.json: "
                + listing.problems().stream()
                    .filter(p -> p.path().endsWith("task-0badbad0.json"))
                    .findFirst()
                    .orElseThrow()
                    .reason());
    assertThat(listing.problems())
        .filteredOn(p -> p.path().endsWith("task-0badbad0.json"))
        .first()
        .satisfies(p -> assertThat(p.reason()).startsWith("malformed JSON"));
    assertThatThrownBy(() -> tasks.get("task-0badbad1"))
        .isInstanceOf(StateException.class)
        .hasMessage("Cannot read " + tdir.resolve("task-0badbad1.json")
            + ": required field 'team_id' is missing");
  }

  @Test
  void taskFileWrittenByAnotherToolIsFoundThroughTheRebuiltIndex() throws Exception {
    Task a = tasks.create("a");
    tasks.create("unrelated");
    // As NemoSpawn 1.0 writes it: no lock, no index.
    Files.writeString(
        team.dir().resolve("tasks/task-0000beef.json"),
        "{\n  \"task_id\": \"task-0000beef\",\n  \"team_id\": \"" + team.id() + "\",\n"
            + "  \"title\": \"python\",\n  \"agent_id\": null,\n  \"status\": \"blocked\",\n"
            + "  \"blocked_by\": [\n    \"" + a.id() + "\"\n  ],\n  \"metadata\": {},\n"
            + "  \"created_at\": \"2026-11-21T19:00:00.000001+00:00\",\n"
            + "  \"updated_at\": \"2026-11-21T19:00:00.000001+00:00\"\n}\n");
    tasks.complete(a.id());
    assertThat(tasks.get("task-0000beef").state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void completionReadsOnlyTheDependentsNotTheWholeTeam() {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").after(a.id()));
    for (int i = 0; i < 200; i++) {
      tasks.create("other " + i);
    }
    var store = ((FileTeam) team).context().store();
    long before = store.reads();
    tasks.complete(a.id());
    // The index meta, a, b's index entry and b (plus the team record for the policy).
    assertThat(store.reads() - before).isLessThan(10);
    assertThat(tasks.get(b.id()).state()).isEqualTo(TaskState.PENDING);
  }

  @Test
  void theIndexMetaIsRewrittenInPlaceAtAFixedSizeAndALongerOldOneIsCut() throws Exception {
    Path meta = ((FileTeam) team).context().dir().resolve(".index/graph.json");
    Task a = tasks.create("a");
    long size = Files.size(meta);
    Object inode = Files.readAttributes(meta, java.nio.file.attribute.BasicFileAttributes.class)
        .fileKey();
    tasks.create("b");
    assertThat(Files.size(meta)).isEqualTo(size);
    assertThat(Files.readAttributes(meta, java.nio.file.attribute.BasicFileAttributes.class)
            .fileKey())
        .as("same file, not replaced")
        .isEqualTo(inode);
    // An old, longer meta file (here garbage after the record) is cut to size on the next write.
    Files.writeString(meta, Files.readString(meta).strip() + " ".repeat(500) + "x\n");
    tasks.create("c");
    assertThat(Files.size(meta)).isEqualTo(size);
    assertThat(Json.parseObject(Files.readAllBytes(meta)).path("task_files").asLong())
        .isEqualTo(3);
    assertThat(tasks.get(a.id()).title()).isEqualTo("a");
  }

  @Test
  void awaitDoneIsTrueForADoneTaskAndRaisesTaskFailedForAFailedOrCancelledOne() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create(TaskSpec.of("b").withOwner("trainer-1a2b3c4d"));
    Task c = tasks.create("c");
    assertThat(tasks.awaitDone(a.id(), Duration.ofMillis(50))).isFalse();
    tasks.complete(a.id());
    tasks.fail(b.id(), "diverged");
    tasks.update(c.id(), TaskUpdate.of(TaskState.CANCELLED));
    assertThat(tasks.awaitDone(a.id(), Duration.ofSeconds(5))).isTrue();
    assertThatThrownBy(() -> tasks.awaitDone(b.id(), Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(io.nemospawn.TaskFailedException.class, e -> {
          assertThat(e.task()).isEqualTo(b.id());
          assertThat(e.agent()).isEqualTo("trainer-1a2b3c4d");
        })
        .hasMessage(
            "Task " + b.id() + " ('b') ended failed (owner trainer-1a2b3c4d) instead of" + " done");
    assertThatThrownBy(() -> tasks.awaitDone(c.id(), Duration.ofSeconds(5)))
        .isInstanceOf(io.nemospawn.TaskFailedException.class)
        .hasMessageContaining("ended cancelled");
  }

  @Test
  void waitsAreDrivenByEventsFromOtherHandles() throws Exception {
    Task a = tasks.create("a");
    Task b = tasks.create("b");
    List<TeamEvent> events = new CopyOnWriteArrayList<>();
    team.subscribe(events::add);
    assertThat(tasks.awaitFinished(a.id(), Duration.ofMillis(50))).isFalse();
    Thread finisher = new Thread(() -> {
      try (NemoSpawn other =
          NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
        Tasks ts = other.team(team.id()).tasks();
        ts.complete(a.id());
        ts.fail(b.id(), "diverged");
      }
    });
    finisher.start();
    assertThat(tasks.awaitAllFinished(List.of(a.id(), b.id()), Duration.ofSeconds(30)))
        .isTrue();
    finisher.join();
    assertThat(tasks.awaitFinished(a.id(), Duration.ZERO)).isTrue();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(events)
            .filteredOn(e -> e instanceof TeamEvent.TaskChanged)
            .extracting(e -> ((TeamEvent.TaskChanged) e).task().state())
            .contains(TaskState.DONE, TaskState.FAILED));
  }

  @Test
  void everyMutationIsAudited() {
    Task a = tasks.create(TaskSpec.of("a").withOwner("w1"));
    tasks.claim(a.id(), "w1", Duration.ofSeconds(5));
    tasks.complete(a.id());
    assertThat(ns.audit().tail(10, team.id()))
        .extracting(e -> e.event())
        .containsSubsequence("task.create", "task.claim", "task.update");
  }
}
