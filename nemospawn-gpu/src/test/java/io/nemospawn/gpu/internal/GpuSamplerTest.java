package io.nemospawn.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class GpuSamplerTest {
  private static final InstantSource CLOCK =
      InstantSource.fixed(Instant.parse("2026-11-21T19:01:51.212059Z"));

  @Test
  void samplesPeriodicallyCarriesOnAfterAFailureAndStopsOnClose() {
    AtomicInteger calls = new AtomicInteger();
    Supplier<GpuSnapshot> source = () -> {
      if (calls.incrementAndGet() == 2) {
        throw new IllegalStateException("nvidia-smi timed out");
      }
      return new GpuSnapshot(CLOCK.instant(), "fake", List.of(GpuMetrics.unknown(0)), List.of());
    };
    List<GpuSnapshot> seen = new CopyOnWriteArrayList<>();
    GpuSampler sampler = GpuSampler.start(source, Duration.ofMillis(20), seen::add);
    await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 3);
    assertThat(sampler.failures()).isEqualTo(1);
    assertThat(sampler.lastFailure())
        .get()
        .extracting(Throwable::getMessage)
        .isEqualTo("nvidia-smi timed out");
    assertThat(sampler.latest()).get().extracting(GpuSnapshot::source).isEqualTo("fake");
    sampler.close();
    sampler.close();
    assertThat(sampler.isClosed()).isTrue();
    int after = calls.get();
    // The own thread was shut down, so no sample can start any more.
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> calls.get() <= after + 1);
  }

  @Test
  void leavesAnInjectedExecutorRunning() {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try (GpuSampler sampler = GpuSampler.start(
        () -> GpuSnapshot.take(CLOCK, List.of()), Duration.ofHours(1), executor, s -> {})) {
      await().atMost(Duration.ofSeconds(30)).until(() -> sampler.samples() == 1);
      assertThat(sampler.latest()).get().extracting(GpuSnapshot::source).isEqualTo("none");
    } finally {
      assertThat(executor.isShutdown()).isFalse();
      executor.shutdownNow();
    }
  }
}
