package io.nemospawn.gpu.internal;

import io.nemospawn.topology.GpuSnapshot;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Takes a {@link GpuSnapshot} periodically and hands each to a sink (the board, Prometheus, a
 * {@code metrics/dcgm_<stamp>.json} writer). A failing sample or sink is counted and remembered,
 * and sampling carries on.
 *
 * <pre>{@code
 * try (GpuSampler sampler = GpuSampler.start(GpuSampler.probing(InstantSource.system()),
 *     Duration.ofSeconds(15), snapshot -> board.update(snapshot))) {
 *   ...
 *   sampler.latest();
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} is idempotent; it stops the schedule and, when the sampler made
 * its own thread ({@code nemospawn-gpu-sampler}), that thread. An injected executor is left
 * running.
 *
 * <p>Implementation, not API: it starts a thread, so it lives here and not in nemospawn-api (it
 * moved from {@code io.nemospawn.topology} in 0.1).
 */
public final class GpuSampler implements AutoCloseable {
  private final AtomicReference<GpuSnapshot> latest = new AtomicReference<>();
  private final AtomicReference<RuntimeException> lastFailure = new AtomicReference<>();
  private final AtomicLong samples = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ScheduledExecutorService executor;
  private final boolean ownExecutor;
  private final ScheduledFuture<?> future;

  private GpuSampler(
      Supplier<GpuSnapshot> source,
      Duration interval,
      ScheduledExecutorService executor,
      boolean ownExecutor,
      Consumer<GpuSnapshot> sink) {
    this.executor = executor;
    this.ownExecutor = ownExecutor;
    long nanos = interval.toNanos();
    this.future = executor.scheduleAtFixedRate(
        () -> sampleOnce(source, sink), 0, nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Starts sampling now and then every {@code interval} on the given executor.
   *
   * @throws IllegalArgumentException when the interval is not positive
   */
  public static GpuSampler start(
      Supplier<GpuSnapshot> source,
      Duration interval,
      ScheduledExecutorService executor,
      Consumer<GpuSnapshot> sink) {
    check(source, interval, sink);
    Objects.requireNonNull(executor, "executor");
    return new GpuSampler(source, interval, executor, false, sink);
  }

  /** Starts sampling on a daemon thread of its own, named {@code nemospawn-gpu-sampler}. */
  public static GpuSampler start(
      Supplier<GpuSnapshot> source, Duration interval, Consumer<GpuSnapshot> sink) {
    check(source, interval, sink);
    ScheduledExecutorService own = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nemospawn-gpu-sampler");
      t.setDaemon(true);
      return t;
    });
    return new GpuSampler(source, interval, own, true, sink);
  }

  /** Returns a source that asks the probes on the class path, stamping with the clock. */
  public static Supplier<GpuSnapshot> probing(InstantSource clock) {
    Objects.requireNonNull(clock, "clock");
    return () -> GpuSnapshot.take(clock);
  }

  private static void check(Supplier<GpuSnapshot> source, Duration interval, Object sink) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(sink, "sink");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "Sampling interval must be positive, got " + interval + "; use e.g. PT15S");
    }
  }

  private void sampleOnce(Supplier<GpuSnapshot> source, Consumer<GpuSnapshot> sink) {
    try {
      GpuSnapshot s = Objects.requireNonNull(source.get(), "snapshot");
      latest.set(s);
      samples.incrementAndGet();
      sink.accept(s);
    } catch (RuntimeException e) {
      // Sampling must outlive a bad reading: a thrown exception would cancel the schedule.
      failures.incrementAndGet();
      lastFailure.set(e);
    }
  }

  /** Returns the latest snapshot taken, if any. */
  public Optional<GpuSnapshot> latest() {
    return Optional.ofNullable(latest.get());
  }

  /** Returns how many snapshots were taken. */
  public long samples() {
    return samples.get();
  }

  /** Returns how many samples or sink calls failed. */
  public long failures() {
    return failures.get();
  }

  /** Returns the latest failure of the source or the sink, if any. */
  public Optional<RuntimeException> lastFailure() {
    return Optional.ofNullable(lastFailure.get());
  }

  /** Returns whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  /** Stops sampling; a sample in progress finishes. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      future.cancel(false);
      if (ownExecutor) {
        executor.shutdown();
      }
    }
  }

  /** Returns {@code GpuSampler[samples=3 failures=0 closed=false]}. */
  @Override
  public String toString() {
    return "GpuSampler[samples=" + samples + " failures=" + failures + " closed=" + closed + "]";
  }
}
