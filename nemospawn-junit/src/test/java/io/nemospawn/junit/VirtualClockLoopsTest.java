package io.nemospawn.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.AgentSpec;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.core.ops.HealthWatch;
import io.nemospawn.gpu.internal.GpuSampler;
import io.nemospawn.inbox.Message;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The library's loops and long waits on the simulation kit's clock: an inbox receive with an hour's
 * timeout, the health watch's passes ({@code watch start}) and the GPU sampler each move with
 * {@link VirtualClock#advance} and take milliseconds of real time.
 */
@NemoSpawnTest
class VirtualClockLoopsTest {
  /** Far below the simulated hours and minutes: proof that nothing slept them. */
  static final Duration REAL_BUDGET = Duration.ofSeconds(5);

  @Test
  void aReceiveWithAnHoursTimeoutEndsWhenTheClockPassesItInMillisecondsOfRealTime(
      Team team, VirtualClock clock) throws Exception {
    long realStart = System.nanoTime();
    int before = clock.waiting();
    CompletableFuture<List<Message>> got = CompletableFuture.supplyAsync(() -> {
      try {
        return team.inbox().receive("leader", Duration.ofHours(1));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(clock.awaitWaiting(before + 1, REAL_BUDGET)).isTrue();
    clock.advance(Duration.ofMinutes(59).plusSeconds(59));
    assertThat(got).as("a second of simulated time is left").isNotDone();
    clock.advance(Duration.ofSeconds(1));
    assertThat(got.get(REAL_BUDGET.toSeconds(), TimeUnit.SECONDS)).isEmpty();
    assertThat(clock.elapsed()).isEqualTo(Duration.ofHours(1));
    assertThat(Duration.ofNanos(System.nanoTime() - realStart)).isLessThan(REAL_BUDGET);
  }

  /** {@code watch start --interval 60 --passes 3} as a Java caller runs it, on the clock. */
  @Test
  void theHealthWatchRunsAPassEveryIntervalOfTheClockAndReclaimsAnExpiredLease(
      Team team, VirtualClock clock) throws Exception {
    long realStart = System.nanoTime();
    Instant start = clock.instant();
    AgentInfo worker =
        team.agents().register(AgentSpec.builder("w1").task("train").build());
    Task train = team.tasks().create("train");
    team.tasks().claim(train.id(), worker.id(), Duration.ofSeconds(30));
    List<HealthReport> reports = new CopyOnWriteArrayList<>();
    int before = clock.waiting();
    CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> {
      try {
        HealthWatch.of(team).run(Duration.ofSeconds(60), Duration.ofMinutes(10), 3, reports::add);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    // The first pass runs at once, then the watch waits on the clock.
    assertThat(clock.awaitWaiting(before + 1, REAL_BUDGET)).isTrue();
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).agents().get(0).requeued()).isEmpty();
    assertThat(team.tasks().get(train.id()).state()).isEqualTo(TaskState.RUNNING);

    clock.advance(Duration.ofSeconds(59));
    assertThat(reports).as("no pass before the interval is over").hasSize(1);
    clock.advance(Duration.ofSeconds(1)); // the second pass: the 30 s lease has expired
    until(() -> reports.size() == 2);
    assertThat(reports.get(1).agents().get(0).requeued()).containsExactly(train.id());
    assertThat(team.tasks().get(train.id()).state()).isEqualTo(TaskState.PENDING);

    until(() -> clock.waiting() == before + 1);
    clock.advance(Duration.ofSeconds(60));
    watch.get(REAL_BUDGET.toSeconds(), TimeUnit.SECONDS);
    assertThat(reports)
        .extracting(HealthReport::at)
        .containsExactly(start, start.plusSeconds(60), start.plusSeconds(120));
    assertThat(Duration.ofNanos(System.nanoTime() - realStart)).isLessThan(REAL_BUDGET);
  }

  @Test
  void theGpuSamplerTakesASampleEachIntervalOfTheClock(VirtualClock clock) throws Exception {
    long realStart = System.nanoTime();
    Instant start = clock.instant();
    List<GpuSnapshot> seen = new CopyOnWriteArrayList<>();
    int before = clock.waiting();
    try (GpuSampler sampler = GpuSampler.start(
        () -> new GpuSnapshot(clock.instant(), "fake", List.of(GpuMetrics.unknown(0)), List.of()),
        Duration.ofSeconds(15),
        clock,
        seen::add)) {
      assertThat(clock.awaitWaiting(before + 1, REAL_BUDGET)).isTrue();
      assertThat(sampler.samples()).isEqualTo(1);
      clock.advance(Duration.ofSeconds(14));
      assertThat(sampler.samples()).as("the interval is not over").isEqualTo(1);
      clock.advance(Duration.ofSeconds(1));
      until(() -> sampler.samples() == 2);
      until(() -> clock.waiting() == before + 1);
      clock.advance(Duration.ofMinutes(1)); // late samples are taken at once, none is skipped
      until(() -> sampler.samples() == 6);
      assertThat(seen)
          .extracting(GpuSnapshot::timestamp)
          .containsExactly(
              start,
              start.plusSeconds(15),
              start.plusSeconds(75),
              start.plusSeconds(75),
              start.plusSeconds(75),
              start.plusSeconds(75));
      assertThat(sampler.failures()).isZero();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - realStart)).isLessThan(REAL_BUDGET);
  }

  /** Waits (in real time, briefly) for another thread to catch up with the clock. */
  private static void until(BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + REAL_BUDGET.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() - end).as("timed out waiting in real time").isNegative();
      Thread.sleep(1);
    }
  }
}
