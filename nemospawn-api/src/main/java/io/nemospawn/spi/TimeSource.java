package io.nemospawn.spi;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.apiguardian.api.API;

/**
 * The time the library runs on: the instant it stamps on records, events and leases, and the time
 * its waits, timeouts and polling loops measure. Give one to {@link
 * io.nemospawn.NemoSpawn.Builder#clock(InstantSource)}; a plain {@link InstantSource} there only
 * stamps, and waits run on real time.
 *
 * <p>The default methods are real time ({@link System#nanoTime()}, {@link Condition#awaitNanos},
 * {@link Thread#sleep}). A simulated clock (such as the JUnit harness's {@code VirtualClock})
 * overrides all three, so that a test of "the lease expires, the task is reclaimed" moves time
 * forward instead of sleeping: its waits end when the simulated time passes their deadline.
 *
 * <p>Implementations must be thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
@FunctionalInterface
public interface TimeSource extends InstantSource {

  /** Returns real time: the system clock and real waits. */
  static TimeSource system() {
    return of(InstantSource.system());
  }

  /**
   * Returns {@code clock} itself when it is a {@link TimeSource}, else a source that stamps with
   * {@code clock} and waits in real time.
   */
  static TimeSource of(InstantSource clock) {
    Objects.requireNonNull(clock, "clock");
    if (clock instanceof TimeSource t) {
      return t;
    }
    return clock::instant;
  }

  @Override
  Instant instant();

  /**
   * Returns a monotonic reading in nanoseconds for measuring elapsed time, like {@link
   * System#nanoTime()}: only differences between two readings mean anything.
   */
  default long nanoTime() {
    return System.nanoTime();
  }

  /**
   * Waits on {@code condition} until it is signalled or {@code nanos} of this source's time have
   * passed, like {@link Condition#awaitNanos(long)}. The caller holds {@code lock}, the lock the
   * condition belongs to; a simulated source takes it to wake the waiter when its time passes the
   * deadline. As with {@code awaitNanos}, the wait may also end early: callers loop on their own
   * condition.
   *
   * @return an estimate of the time left, {@code <= 0} when the time is up
   * @throws InterruptedException when the thread is interrupted
   */
  default long awaitNanos(Lock lock, Condition condition, long nanos) throws InterruptedException {
    return condition.awaitNanos(nanos);
  }

  /**
   * Sleeps for {@code duration} of this source's time.
   *
   * @throws InterruptedException when the thread is interrupted
   */
  default void sleep(Duration duration) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(duration.toNanos());
  }
}
