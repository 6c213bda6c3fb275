package io.nemospawn.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.AgentSpec;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.agent.Role;
import io.nemospawn.inbox.Message;
import io.nemospawn.plan.Plan;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The simulation kit's clock: the scenario of docs/junit.md (a dead agent's lease expires and its
 * task is reclaimed) and the waits it drives, each in milliseconds of real time.
 */
@NemoSpawnTest
class VirtualClockTest {
  /** Far below the lease and timeouts these tests simulate: proof that nothing slept them. */
  static final Duration REAL_BUDGET = Duration.ofSeconds(5);

  /** The worked example of docs/junit.md, as it stands there, plus timing and event checks. */
  @Test
  void aDeadAgentsTaskIsReclaimedWhenItsLeaseExpires(Team team, VirtualClock clock) {
    long realStart = System.nanoTime();
    Instant start = clock.instant();
    List<TeamEvent.TaskChanged> events = new CopyOnWriteArrayList<>();
    try (Subscription s = team.subscribe(e -> {
      if (e instanceof TeamEvent.TaskChanged tc) {
        events.add(tc);
      }
    })) {
      // -- docs/junit.md, "A virtual clock" --
      AgentInfo worker = team.agents().register("w1", "worker", List.of(), "train");
      Task train = team.tasks().create("train");
      team.tasks().claim(train.id(), worker.id(), Duration.ofSeconds(30));
      // The agent dies: nothing renews its lease.

      clock.advance(Duration.ofSeconds(29));
      team.checkHealth(Duration.ofMinutes(10)); // a watch pass: the lease still holds
      assertThat(team.tasks().get(train.id()).state()).isEqualTo(TaskState.RUNNING);

      clock.advance(Duration.ofSeconds(2)); // past the lease
      HealthReport report = team.checkHealth(Duration.ofMinutes(10));
      assertThat(report.agents().get(0).requeued()).containsExactly(train.id());
      Task reclaimed = team.tasks().get(train.id());
      assertThat(reclaimed.state()).isEqualTo(TaskState.PENDING);
      assertThat(reclaimed.owner()).isEmpty();
      assertThat(reclaimed.metadata()).containsEntry("lease_expired_from", worker.id());
      assertThat(reclaimed.updatedAt()).isEqualTo(clock.instant());
      // -- end of the example --

      assertThat(report.at()).isEqualTo(start.plusSeconds(31));
      assertThat(report.agents().get(0).reason()).isEqualTo("lease expired on " + train.id());
      // The claim's lease and every record carry simulated time.
      assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(31));
    }
    Duration real = Duration.ofNanos(System.nanoTime() - realStart);
    assertThat(real).isLessThan(REAL_BUDGET);
    // Events are stamped with the team's clock: never later than the simulated now.
    assertThat(events).allSatisfy(e -> assertThat(e.at()).isBetween(start, clock.instant()));
  }

  @Test
  void aTaskWaitTimesOutWhenSimulatedTimePassesItsDeadlineNotBefore(Team team, VirtualClock clock)
      throws Exception {
    long realStart = System.nanoTime();
    Task eval = team.tasks().create("eval");
    CompletableFuture<Boolean> finished = CompletableFuture.supplyAsync(() -> {
      try {
        return team.tasks().awaitFinished(eval.id(), Duration.ofHours(1));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(clock.awaitWaiting(1, REAL_BUDGET)).isTrue();
    clock.advance(Duration.ofMinutes(59));
    assertThat(clock.waiting()).isEqualTo(1); // woken only past its deadline
    assertThat(finished).isNotDone();
    clock.advance(Duration.ofMinutes(1));
    assertThat(finished.get(REAL_BUDGET.toSeconds(), TimeUnit.SECONDS)).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - realStart)).isLessThan(REAL_BUDGET);
  }

  /**
   * The whole scenario on the clock: the agent dies, its lease expires, the watch pass reclaims
   * its task, and the leader's receive, waiting for the report that never comes, times out at its
   * own deadline; all within {@link #REAL_BUDGET} of real time, far below the 631 s simulated.
   */
  @Test
  void aDeadAgentsTaskIsReclaimedAndAReceiveWaitingForItsReportTimesOut(
      Team team, VirtualClock clock) throws Exception {
    long realStart = System.nanoTime();
    AgentInfo worker = team.agents()
        .register(AgentSpec.builder("w1").role(Role.TRAINER).task("train").build());
    Task train = team.tasks().create("train");
    team.tasks().claim(train.id(), worker.id(), Duration.ofSeconds(30));
    int before = clock.waiting();
    CompletableFuture<List<Message>> report = CompletableFuture.supplyAsync(() -> {
      try {
        return team.inbox().receive("leader", Duration.ofMinutes(10));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(clock.awaitWaiting(before + 1, REAL_BUDGET)).isTrue();
    // The agent dies: it renews nothing and reports nothing.
    clock.advance(Duration.ofSeconds(31));
    HealthReport pass = team.checkHealth(Duration.ofMinutes(10));
    assertThat(pass.agents().get(0).requeued()).containsExactly(train.id());
    assertThat(team.tasks().get(train.id()).state()).isEqualTo(TaskState.PENDING);
    assertThat(report).isNotDone(); // its own deadline is 10 minutes away
    clock.advance(Duration.ofMinutes(9));
    assertThat(report).isNotDone();
    clock.advance(Duration.ofMinutes(1));
    assertThat(report.get(REAL_BUDGET.toSeconds(), TimeUnit.SECONDS)).isEmpty();
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(631));
    assertThat(Duration.ofNanos(System.nanoTime() - realStart)).isLessThan(REAL_BUDGET);
  }

  @Test
  void aReceiveOnTheClockStillEndsAsSoonAsAMessageComes(Team team, VirtualClock clock)
      throws Exception {
    int before = clock.waiting();
    CompletableFuture<List<Message>> got = CompletableFuture.supplyAsync(() -> {
      try {
        return team.inbox().receive("leader", Duration.ofHours(1));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(clock.awaitWaiting(before + 1, REAL_BUDGET)).isTrue();
    team.agents().register(AgentSpec.builder("w1").build());
    team.inbox().send("w1", "leader", "val_loss=0.42");
    assertThat(got.get(REAL_BUDGET.toSeconds(), TimeUnit.SECONDS))
        .extracting(Message::body)
        .containsExactly("val_loss=0.42");
    assertThat(clock.elapsed()).isZero();
  }

  @Test
  void aTaskWaitStillEndsAsSoonAsTheTaskFinishes(Team team, VirtualClock clock) throws Exception {
    Task eval = team.tasks().create("eval");
    CompletableFuture<Boolean> finished = CompletableFuture.supplyAsync(() -> {
      try {
        return team.tasks().awaitFinished(eval.id(), Duration.ofHours(1));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(clock.awaitWaiting(1, REAL_BUDGET)).isTrue();
    team.tasks().complete(eval.id());
    assertThat(finished.get(REAL_BUDGET.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(clock.elapsed()).isZero();
  }

  @Test
  void aPlanReviewWaitTimesOutOnTheClock(Team team, VirtualClock clock) throws Exception {
    Plan p = team.plans().submit("leader", "tune lr", "", List.of("sweep"));
    CompletableFuture<Optional<Plan>> reviewed = CompletableFuture.supplyAsync(() -> {
      try {
        return team.plans().awaitReview(p.id(), Duration.ofMinutes(30));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(clock.awaitWaiting(1, REAL_BUDGET)).isTrue();
    clock.advance(Duration.ofMinutes(30));
    assertThat(reviewed.get(REAL_BUDGET.toSeconds(), TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void sleepEndsWhenTheClockPassesItsEnd() throws Exception {
    VirtualClock clock = VirtualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    Thread sleeper = new Thread(() -> {
      try {
        clock.sleep(Duration.ofDays(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    sleeper.start();
    assertThat(clock.awaitWaiting(1, REAL_BUDGET)).isTrue();
    clock.advance(Duration.ofHours(23));
    assertThat(sleeper.isAlive()).isTrue();
    clock.advance(Duration.ofHours(1));
    sleeper.join(REAL_BUDGET.toMillis());
    assertThat(sleeper.isAlive()).isFalse();
    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
  }

  @Test
  void timeNeverGoesBack() {
    VirtualClock clock = VirtualClock.create();
    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot advance a VirtualClock by PT-1S: time never goes back; use a duration"
            + " >= 0");
  }

  @Test
  void withoutAVirtualClockParameterTheTeamRunsOnRealTime(Team team) {
    Instant before = Instant.now();
    Task t = team.tasks().create("t");
    assertThat(t.createdAt()).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
  }
}
