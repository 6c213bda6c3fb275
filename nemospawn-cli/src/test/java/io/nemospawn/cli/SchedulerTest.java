package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.AgentSpec;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.core.ops.Scheduler;
import io.nemospawn.core.ops.Scheduler.AgentLoad;
import io.nemospawn.core.ops.Scheduler.Analysis;
import io.nemospawn.core.ops.Scheduler.Move;
import io.nemospawn.core.ops.Scheduler.Round;
import io.nemospawn.junit.NemoSpawnTest;
import io.nemospawn.junit.VirtualClock;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scheduler on the simulation kit's virtual clock: a slow agent (GPU 10 %), a fast one (90 %),
 * an idle one (80 %) and a stopped one, with GPU metrics written as {@code gpu status} writes them.
 * Every figure and reason is exact, because time only moves when the test moves it.
 */
@NemoSpawnTest
class SchedulerTest {
  AgentInfo slow;
  AgentInfo fast;
  AgentInfo idle;
  AgentInfo gone;
  Task t1;
  Task t2;
  Task t3;
  Task t4;
  Task t5;

  void setUp(Team team, VirtualClock clock) throws Exception {
    slow = team.agents().register(AgentSpec.builder("slow").gpus(0).build());
    fast = team.agents().register(AgentSpec.builder("fast").gpus(1).build());
    idle = team.agents().register(AgentSpec.builder("idle").gpus(2).build());
    gone = team.agents().register(AgentSpec.builder("gone").build());
    team.agents().updateStatus(gone.id(), AgentStatus.STOPPED, 0);
    t1 = task(team, clock, "t1", slow);
    t2 = task(team, clock, "t2", slow);
    t3 = task(team, clock, "t3", fast);
    t4 = task(team, clock, "t4", null);
    team.tasks().claim(t4.id(), fast.id(), Duration.ofHours(2));
    t5 = task(team, clock, "t5", gone);
    task(team, clock, "t6", null);
    Files.writeString(
        team.dir().resolve("metrics/dcgm_2026-01-01T00-00-00.000000+00-00.json"), """
        {"timestamp": "2026-01-01T00:00:00.000000+00:00", "gpu_metrics": [
          {"gpu_id": 0, "sm_util": 10.0, "mem_util": 5.0},
          {"gpu_id": 1, "sm_util": 90.0, "mem_util": 70.0},
          {"gpu_id": 2, "sm_util": 80.0, "mem_util": 60.0}]}
        """);
  }

  static Task task(Team team, VirtualClock clock, String title, AgentInfo owner) {
    clock.advance(Duration.ofSeconds(1)); // creation times order the tasks
    TaskSpec spec = TaskSpec.of(title);
    return team.tasks().create(owner == null ? spec : spec.withOwner(owner.id()));
  }

  @Test
  void analyzeShowsQueuesScoresIdleAgentsGpusAndStuckTasks(Team team, VirtualClock clock)
      throws Exception {
    setUp(team, clock);
    clock.advance(Duration.ofMinutes(31));
    Analysis a = Scheduler.of(team).analyze();

    assertThat(a.at()).isEqualTo(clock.instant());
    assertThat(a.agents())
        .extracting(AgentLoad::name)
        .containsExactly("fast", "idle", "slow", "gone");
    AgentLoad f = a.agents().get(0);
    assertThat(List.of(f.pending(), f.running(), f.queue())).containsExactly(1, 1, 2);
    assertThat(f.gpuUtil()).isEqualTo(90.0);
    assertThat(f.score()).isEqualTo(54.0);
    assertThat(a.agents().get(2).score()).isEqualTo(6.0);
    assertThat(a.agents().get(3).alive()).isFalse();
    assertThat(a.idleAgents()).containsExactly("idle");
    assertThat(a.unowned()).isEqualTo(1);
    assertThat(a.gpus())
        .extracting(g -> g.index() + ":" + g.smUtil() + ":" + g.agent())
        .containsExactly("0:10.0:slow", "1:90.0:fast", "2:80.0:idle");
    assertThat(a.stuck()).hasSize(1);
    assertThat(a.stuck().get(0).taskId()).isEqualTo(t4.id());
    assertThat(a.stuck().get(0).reason()).isEqualTo("no update for 1862 s (threshold 1800 s)");
  }

  @Test
  void suggestMovesQueuedWorkOffSlowAndStoppedAgentsWithAReasonEach(Team team, VirtualClock clock)
      throws Exception {
    setUp(team, clock);
    List<Move> moves = Scheduler.of(team).suggest(30);
    assertThat(moves)
        .extracting(m -> m.taskId() + " " + m.from() + " -> " + m.to())
        .containsExactly(
            t1.id() + " " + slow.id() + " -> " + idle.id(),
            t2.id() + " " + slow.id() + " -> " + idle.id(),
            t5.id() + " " + gone.id() + " -> " + fast.id());
    assertThat(moves.get(0).reason())
        .isEqualTo("its owner slow uses its GPUs at 10.0%, below the threshold of 30.0%;"
            + " idle uses its GPUs at 80.0%, queue 0");
    assertThat(moves.get(2).reason())
        .isEqualTo("its owner gone is not running; fast uses its GPUs at 90.0%, queue 2");
    // A low threshold leaves the slow agent alone; the stopped one's task still moves.
    assertThat(Scheduler.of(team).suggest(5)).extracting(Move::taskId).containsExactly(t5.id());
    assertThatThrownBy(() -> Scheduler.of(team).suggest(101))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid threshold 101.0; use a GPU utilisation from 0 to 100");
  }

  @Test
  void anIdleAgentTakesWorkFromTheLongestQueue(Team team, VirtualClock clock) throws Exception {
    setUp(team, clock);
    team.tasks().cancel(t5.id());
    Task extra = task(team, clock, "t7", fast);
    List<Move> moves = Scheduler.of(team).suggest(5);
    assertThat(moves)
        .extracting(m -> m.taskId() + " " + m.from() + " -> " + m.to() + ": " + m.reason())
        .containsExactly(extra.id() + " " + fast.id() + " -> " + idle.id()
            + ": idle is idle while fast has 3 queued (2 pending)");
  }

  @Test
  void applyMovesATaskThroughTheTaskApiAuditsItAndTellsTheAgent(Team team, VirtualClock clock)
      throws Exception {
    setUp(team, clock);
    Task moved = Scheduler.of(team).apply(t1.id(), "fast");
    assertThat(moved.owner()).isEqualTo(fast.id());
    assertThat(moved.state()).isEqualTo(TaskState.PENDING);
    assertThat(moved.metadata())
        .containsEntry("reassigned_from", slow.id())
        .containsEntry("reassigned_at", StateFormat.formatTimestamp(clock.instant()));
    assertThat(team.tasks().get(t1.id()).owner()).isEqualTo(fast.id());
    assertThat(team.inbox().peek(fast.id()))
        .anyMatch(m -> m.from().equals("scheduler") && m.body().contains(t1.id()));
    assertThat(Files.readString(team.dir().getParent().getParent().resolve("audit.jsonl")))
        .contains("\"schedule.apply\"", t1.id());

    assertThatThrownBy(() -> Scheduler.of(team).apply(t4.id(), "idle"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Cannot move task " + t4.id() + ": it is running")
        .hasMessageContaining("only pending or blocked tasks move");
    assertThatThrownBy(() -> Scheduler.of(team).apply(t2.id(), "gone"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("to agent gone: it is stopped; choose a running agent");
    assertThatThrownBy(() -> Scheduler.of(team).apply("task-00000000", "fast"))
        .isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> Scheduler.of(team).apply("../x", "fast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid task id '../x'");
  }

  @Test
  void autoAppliesSuggestionsEveryIntervalOnTheVirtualClock(Team team, VirtualClock clock)
      throws Exception {
    setUp(team, clock);
    List<Round> rounds = new CopyOnWriteArrayList<>();
    var start = clock.instant();
    CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
      try {
        Scheduler.of(team).auto(30, Duration.ofSeconds(300), 2, rounds::add);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(clock.awaitWaiting(1, Duration.ofSeconds(30))).isTrue();
    assertThat(rounds).hasSize(1);
    assertThat(rounds.get(0).at()).isEqualTo(start);
    assertThat(rounds.get(0).applied())
        .extracting(Move::taskId)
        .containsExactly(t1.id(), t2.id(), t5.id());
    Task late = team.tasks().create(TaskSpec.of("late").withOwner(slow.id()));

    clock.advance(Duration.ofSeconds(300));
    loop.get(30, TimeUnit.SECONDS);
    assertThat(rounds).hasSize(2);
    assertThat(rounds.get(1).at()).isEqualTo(start.plusSeconds(300));
    assertThat(rounds.get(1).applied()).extracting(Move::taskId).containsExactly(late.id());
    assertThat(team.tasks().get(late.id()).owner()).isNotEqualTo(slow.id());
  }
}
