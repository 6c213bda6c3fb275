package io.nemospawn.gpu.internal;

import io.nemospawn.spi.TimeSource;
import io.nemospawn.topology.GpuSnapshot;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

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
 * running. The own thread measures its interval on a {@link TimeSource} (real time by default),
 * so a simulated clock drives it; an injected executor runs on real time.
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
  // Exactly one of the two: the schedule on an injected executor, or the own thread's loop.
  private final @Nullable ScheduledFuture<?> future;
  private final @Nullable Thread thread;

  private GpuSampler(
      Supplier<GpuSnapshot> source,
      Duration interval,
      ScheduledExecutorService executor,
      Consumer<GpuSnapshot> sink) {
    long nanos = interval.toNanos();
    this.future = executor.scheduleAtFixedRate(
        () -> sampleOnce(source, sink), 0, nanos, TimeUnit.NANOSECONDS);
    this.thread = null;
  }

  private GpuSampler(
      Supplier<GpuSnapshot> source,
      Duration interval,
      TimeSource time,
      Consumer<GpuSnapshot> sink) {
    this.future = null;
    this.thread = new Thread(() -> loop(source, interval, time, sink), "nemospawn-gpu-sampler");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** The own thread: a sample now, then one every interval of {@code time}, until closed. */
  private void loop(
      Supplier<GpuSnapshot> source,
      Duration interval,
      TimeSource time,
      Consumer<GpuSnapshot> sink) {
    long next = time.nanoTime();
    try {
      while (!closed.get()) {
        sampleOnce(source, sink);
        // At a fixed rate, as the executor's schedule: the next sample is due one interval after
        // this one was, however long this one took (a late one is taken at once, not skipped).
        next += interval.toNanos();
        long left = next - time.nanoTime();
        if (left > 0) {
          time.sleep(Duration.ofNanos(left));
        }
      }
    } catch (InterruptedException e) {
      // close() interrupts the wait: the loop ends.
    }
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
    return new GpuSampler(source, interval, executor, sink);
  }

  /**
   * Starts sampling on a daemon thread of its own, named {@code nemospawn-gpu-sampler}, in real
   * time.
   */
  public static GpuSampler start(
      Supplier<GpuSnapshot> source, Duration interval, Consumer<GpuSnapshot> sink) {
    return start(source, interval, TimeSource.system(), sink);
  }

  /**
   * Starts sampling now and then every {@code interval} of {@code time}, on a daemon thread of its
   * own named {@code nemospawn-gpu-sampler}: a team's {@link TimeSource} (a simulated clock in
   * tests, whose {@code advance} takes the next samples without real waiting).
   *
   * @throws IllegalArgumentException when the interval is not positive
   */
  public static GpuSampler start(
      Supplier<GpuSnapshot> source,
      Duration interval,
      TimeSource time,
      Consumer<GpuSnapshot> sink) {
    check(source, interval, sink);
    Objects.requireNonNull(time, "time");
    return new GpuSampler(source, interval, time, sink);
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

  /**
   * Stops sampling: on an injected executor a sample in progress finishes; the own thread is
   * interrupted, which ends its wait (a probe that waits on a process may end early). Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      if (future != null) {
        future.cancel(false);
      }
      if (thread != null && thread != Thread.currentThread()) {
        thread.interrupt(); // ends its wait; no sample starts after this
      }
    }
  }

  /** Returns {@code GpuSampler[samples=3 failures=0 closed=false]}. */
  @Override
  public String toString() {
    return "GpuSampler[samples=" + samples + " failures=" + failures + " closed=" + closed + "]";
  }
}
