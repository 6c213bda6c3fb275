package io.nemospawn.core.ops;

import io.nemospawn.Team;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.spi.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The health watch as a loop: a {@link Team#checkHealth} pass now and then one every interval, on
 * the team's clock. A team opened from a data directory with a {@link TimeSource} (a simulated
 * clock in tests) waits on that source, so advancing it runs the next pass without real waiting;
 * any other team waits in real time. What {@code nemospawn watch start} runs.
 *
 * <pre>{@code
 * HealthWatch.of(team).run(Duration.ofSeconds(30), Duration.ofMinutes(10), 0, report -> ...);
 * }</pre>
 */
public final class HealthWatch {
  private final Team team;
  private final TimeSource time;

  private HealthWatch(Team team, TimeSource time) {
    this.team = team;
    this.time = time;
  }

  /** Returns the watch of a team: on its clock when it was opened from a data directory. */
  public static HealthWatch of(Team team) {
    Objects.requireNonNull(team, "team");
    return new HealthWatch(
        team, team instanceof FileTeam ft ? ft.context().time() : TimeSource.system());
  }

  /**
   * Runs {@code passes} passes (0: until the thread is interrupted), {@code interval} of the
   * team's time apart, handing each report to {@code each}.
   *
   * @param interval the time between passes; at least one second
   * @param stuckAfter how long an agent may go without a sign of life before it counts as stuck
   * @param passes how many passes, or 0 for no limit
   * @param each gets each pass's report, on the calling thread
   * @throws IllegalArgumentException for an interval under one second or negative passes
   * @throws InterruptedException when the thread is interrupted between passes
   */
  public void run(Duration interval, Duration stuckAfter, int passes, Consumer<HealthReport> each)
      throws InterruptedException {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(stuckAfter, "stuckAfter");
    Objects.requireNonNull(each, "each");
    if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "Invalid watch interval " + interval + "; use 1 second or more");
    }
    if (passes < 0) {
      throw new IllegalArgumentException(
          "Invalid number of passes " + passes + "; use 0 (no limit) or more");
    }
    for (int i = 0; passes == 0 || i < passes; i++) {
      if (i > 0) {
        time.sleep(interval);
      } else if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException();
      }
      each.accept(team.checkHealth(stuckAfter));
    }
  }
}
