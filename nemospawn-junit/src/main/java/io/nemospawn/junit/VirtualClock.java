package io.nemospawn.junit;

import io.nemospawn.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.apiguardian.api.API;

/**
 * A simulated clock for tests: time stands still until the test moves it with {@link
 * #advance(Duration)}, which also wakes every wait whose deadline has passed. Given to a team, it
 * drives the timestamps of records and events, leases, {@code awaitFinished}/{@code awaitReview}
 * and {@code Inbox.receive} timeouts, the event watcher's rescans and the library's loops (the
 * health watch {@code HealthWatch}, {@code Scheduler.auto}, a {@code GpuSampler} started on it), so
 * "the agent dies, its lease expires, the task is reclaimed" runs in milliseconds and never sleeps.
 *
 * <pre>{@code
 * @NemoSpawnTest
 * class LeaseTest {
 *   @Test void reclaimed(Team team, VirtualClock clock) {   // the team runs on this clock
 *     Task t = team.tasks().create("train");
 *     team.tasks().claim(t.id(), "w1", Duration.ofSeconds(30));
 *     clock.advance(Duration.ofSeconds(31));
 *     team.checkHealth(Duration.ofMinutes(10));
 *     assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.PENDING);
 *   }
 * }
 * }</pre>
 *
 * <p>Declaring a {@code VirtualClock} parameter on a test method of a {@link NemoSpawnTest} (or a
 * per-test {@link NemoSpawnExtension}) puts that test's team on a new clock, starting at the
 * current second; a class-wide team takes one through {@link
 * NemoSpawnExtension.Builder#clock(java.time.InstantSource)}. Outside the extension, give it to
 * {@link io.nemospawn.NemoSpawn.Builder#clock(java.time.InstantSource)}.
 *
 * <p>Real processes (agents, tmux, {@code git}) keep real time: their timeouts and the operating
 * system's file times are not simulated. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class VirtualClock implements TimeSource {
  private final Object monitor = new Object();
  private final Instant origin;
  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
  private long nanos; // guarded by monitor: time since origin

  private VirtualClock(Instant origin) {
    this.origin = origin;
  }

  /** Returns a clock standing at the current second of real time. */
  public static VirtualClock create() {
    return at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  /** Returns a clock standing at {@code start}. */
  public static VirtualClock at(Instant start) {
    return new VirtualClock(Objects.requireNonNull(start, "start"));
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(nanoTime());
  }

  @Override
  public long nanoTime() {
    synchronized (monitor) {
      return nanos;
    }
  }

  /** Returns how much simulated time has passed since the clock was made. */
  public Duration elapsed() {
    return Duration.ofNanos(nanoTime());
  }

  /**
   * Moves time forward and wakes every wait whose deadline is now past (they return as timed out,
   * unless what they wait for happened).
   *
   * @throws IllegalArgumentException when {@code duration} is negative: time never goes back
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("Cannot advance a VirtualClock by " + duration
          + ": time never goes back; use a" + " duration >= 0");
    }
    long now;
    synchronized (monitor) {
      nanos = Math.addExact(nanos, duration.toNanos());
      now = nanos;
      monitor.notifyAll();
    }
    for (Waiter w : waiters) {
      if (now - w.deadline >= 0) {
        w.wake();
      }
    }
  }

  /** Returns how many threads wait on this clock (in a timed wait or a sleep) now. */
  public int waiting() {
    return waiters.size();
  }

  /**
   * Blocks until at least {@code count} threads wait on this clock, for at most {@code
   * realTimeout} of real time; use it before {@link #advance} when another thread must be waiting
   * first. This waits for a thread to arrive, it does not sleep a fixed time.
   *
   * @return false when the real timeout passed first
   */
  public boolean awaitWaiting(int count, Duration realTimeout) throws InterruptedException {
    long end = System.nanoTime() + realTimeout.toNanos();
    synchronized (monitor) {
      while (waiters.size() < count) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        monitor.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  @Override
  public long awaitNanos(Lock lock, Condition condition, long timeout) throws InterruptedException {
    if (timeout <= 0) {
      return timeout;
    }
    long deadline = deadline(timeout);
    Waiter w = new Waiter(deadline, lock, condition);
    register(w);
    try {
      long left = deadline - nanoTime();
      if (left <= 0) {
        return left;
      }
      // The caller holds the lock, and advance() takes it to signal: no wake-up is lost.
      condition.await();
      return deadline - nanoTime();
    } finally {
      unregister(w);
    }
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    Objects.requireNonNull(duration, "duration");
    ReentrantLock lock = new ReentrantLock();
    Condition never = lock.newCondition();
    long left = duration.isNegative() ? 0 : saturated(duration);
    lock.lock();
    try {
      while (left > 0) {
        left = awaitNanos(lock, never, left);
      }
    } finally {
      lock.unlock();
    }
  }

  private long deadline(long timeout) {
    long now = nanoTime();
    long d = now + timeout;
    return d < now ? Long.MAX_VALUE : d; // saturate instead of wrapping
  }

  private static long saturated(Duration d) {
    return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  private void register(Waiter w) {
    waiters.add(w);
    synchronized (monitor) {
      monitor.notifyAll(); // for awaitWaiting
    }
  }

  private void unregister(Waiter w) {
    waiters.remove(w);
  }

  @Override
  public String toString() {
    return "VirtualClock[" + instant() + ", waiting=" + waiters.size() + "]";
  }

  /** A thread in a timed wait: woken through its own lock and condition. */
  private static final class Waiter {
    final long deadline;
    final Lock lock;
    final Condition condition;

    Waiter(long deadline, Lock lock, Condition condition) {
      this.deadline = deadline;
      this.lock = lock;
      this.condition = condition;
    }

    void wake() {
      lock.lock();
      try {
        condition.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
