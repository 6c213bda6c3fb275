package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.Health;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.plan.Plan;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.TimeSource;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's clock drives leases in the watch pass, and a TimeSource drives waits. */
class TimeSourceTest {
  @TempDir
  Path dir;

  /** A time source on which every wait passes its whole timeout at once. */
  static final class FastForward implements TimeSource {
    final Instant origin = Instant.parse("2026-11-21T19:00:00Z");
    final AtomicLong nanos = new AtomicLong();

    @Override
    public Instant instant() {
      return origin.plusNanos(nanos.get());
    }

    @Override
    public long nanoTime() {
      return nanos.get();
    }

    @Override
    public long awaitNanos(Lock lock, Condition condition, long timeout) {
      nanos.addAndGet(timeout);
      return 0;
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void waitsMeasureTheirTimeoutOnTheTimeSource() throws Exception {
    FastForward time = new FastForward();
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).clock(time).open()) {
      Team team = ns.newTeam("t").create();
      Task t = team.tasks().create("train");
      assertThat(team.tasks().awaitFinished(t.id(), Duration.ofHours(1))).isFalse();
      assertThat(time.nanoTime()).isEqualTo(Duration.ofHours(1).toNanos());
      Plan p = team.plans().submit("leader", "tune", "", List.of());
      assertThat(team.plans().awaitReview(p.id(), Duration.ofHours(2))).isEmpty();
      assertThat(time.nanoTime()).isEqualTo(Duration.ofHours(3).toNanos());
    }
  }

  @Test
  void aPlainInstantSourceOnlyStampsAndWaitsRunOnRealTime() throws Exception {
    InstantSource fixed = InstantSource.fixed(Instant.parse("2026-11-21T19:00:00Z"));
    assertThat(TimeSource.of(fixed).instant()).isEqualTo(fixed.instant());
    try (NemoSpawn ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(fixed)
        .open()) {
      Team team = ns.newTeam("t").create();
      Task t = team.tasks().create("train");
      long start = System.nanoTime();
      assertThat(team.tasks().awaitFinished(t.id(), Duration.ofMillis(200))).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(190));
    }
  }

  @Test
  void aWatchPassReturnsTasksWhoseLeaseExpiredOnTheClockAndNamesTheirHolder() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-21T19:00:00Z"));
    try (NemoSpawn ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(now::get)
        .open()) {
      Team team = ns.newTeam("t").create();
      AgentInfo w = team.agents().register("w1", "worker", List.of(), "");
      Task t = team.tasks().create("train");
      team.tasks().claim(t.id(), w.id(), Duration.ofSeconds(60));

      now.set(now.get().plusSeconds(59));
      HealthReport before = team.checkHealth(Duration.ofHours(1));
      assertThat(before.agents()).singleElement().satisfies(h -> {
        assertThat(h.state()).isEqualTo("healthy");
        assertThat(h.requeued()).isEmpty();
      });
      assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.RUNNING);

      now.set(now.get().plusSeconds(1));
      HealthReport after = team.checkHealth(Duration.ofHours(1));
      Health h = after.agents().get(0);
      assertThat(h.state()).isEqualTo("healthy");
      assertThat(h.reason()).isEqualTo("lease expired on " + t.id());
      assertThat(h.requeued()).containsExactly(t.id());
      Task back = team.tasks().get(t.id());
      assertThat(back.state()).isEqualTo(TaskState.PENDING);
      assertThat(back.metadata()).containsEntry("lease_expired_from", w.id());
      assertThat(back.updatedAt()).isEqualTo(now.get());
    }
  }
}
