package io.nemospawn.launch;

import io.nemospawn.Subscription;
import io.nemospawn.Team;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apiguardian.api.API;

/**
 * A started launch: its team, the ids of the agents and tasks it created, progress as it
 * happens, and a summary at the end. Closing it stops the agents that still run (the team and
 * its records stay).
 *
 * <pre>{@code
 * try (Launch launch = launcher.start(plan);
 *     Subscription s = launch.onProgress(p -> System.out.println(p.toText()))) {
 *   launch.awaitFinished(Duration.ofMinutes(10));
 *   System.out.println(launch.summary().toText());
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Launch extends AutoCloseable {
  /** Returns the plan it carried out. */
  LaunchPlan plan();

  /** Returns the team. */
  Team team();

  /** Returns the agent ids by agent name. */
  Map<String, String> agentIds();

  /** Returns the task ids by task key. */
  Map<String, String> taskIds();

  /**
   * Calls {@code listener} for each progress event: tasks starting and finishing, and what the
   * agents report to the leader (trials started, pruned, finished …). Listeners must not block.
   */
  Subscription onProgress(Consumer<LaunchProgress> listener);

  /**
   * Waits until every task of the DAG has finished (done, failed or cancelled), or an agent died
   * leaving its task unfinished.
   *
   * @return false when the timeout passed first
   */
  boolean awaitFinished(Duration timeout) throws InterruptedException;

  /** Returns the summary as things stand now. */
  LaunchSummary summary();

  /** Stops the agents that still run and closes the team handle (its records stay). Idempotent. */
  @Override
  void close();
}
