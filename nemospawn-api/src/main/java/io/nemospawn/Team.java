package io.nemospawn;

import io.nemospawn.agent.Agents;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.agent.Lifecycle;
import io.nemospawn.agent.Workspaces;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.plan.Plans;
import io.nemospawn.task.Tasks;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apiguardian.api.API;

/**
 * A live handle on one team: its agents, task graph, inboxes, plans and artifacts. Every change
 * goes straight to the team's directory, so other processes see it at once, and changes made by
 * other processes reach {@link #subscribe} listeners.
 *
 * <pre>{@code
 * Team team = ns.team("sweep");
 * try (Subscription s = team.subscribe(e -> System.out.println(e))) {
 *   team.tasks().awaitDone(taskId, Duration.ofMinutes(5));
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops listeners and watchers and the agents this handle spawned
 * that are not detached; it does not delete anything.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Team extends AutoCloseable {
  /** Returns the id, {@code <name>-<8 hex>}. */
  String id();

  /** Returns the name the team was created with. */
  String name();

  /** Returns the team's directory. */
  Path dir();

  /** Reads the team record again. */
  TeamInfo info();

  /**
   * Returns the GPU topology team.json records for the team's GPUs (their link matrix and NVLink
   * islands, written when the team was created), or {@link
   * io.nemospawn.topology.GpuTopology#empty()} when it records none: a team without GPUs, or one
   * created where the topology did not know its GPUs.
   *
   * @throws StateException when team.json cannot be read or its topology is malformed
   * @since 0.1
   */
  io.nemospawn.topology.GpuTopology topology();

  /** Returns counts of tasks, agents and plans by state. */
  TeamStatus status();

  /**
   * Reads the metrics of the team's GPUs (those team.json names and those its agents hold) from
   * the first GPU probe that answers (DCGM, then NVML, then {@code nvidia-smi}; see {@link
   * io.nemospawn.topology.GpuSnapshot#take}) and saves them as {@code
   * metrics/<snapshot.fileName()>} under {@link #dir()} (FORMAT.md's {@code
   * metrics/dcgm_<stamp>.json}), for boards and exporters. With no probe that answers, the
   * snapshot's source is {@code none}, its warnings say why, and it is saved all the same.
   *
   * @return the snapshot, holding only the team's GPUs
   * @throws StateException when the team cannot be read or the file cannot be written
   * @since 0.1
   */
  io.nemospawn.topology.GpuSnapshot snapshotGpus();

  /** Returns the registered agents and their records. */
  Agents agents();

  /** Returns the task graph. */
  Tasks tasks();

  /** Returns the team's messaging: direct sends, broadcasts and each agent's inbox. */
  Inbox inbox();

  /** Returns the plans submitted for review. */
  Plans plans();

  /** Returns the lifecycle protocol: idle, shutdown request, approve, reject. */
  Lifecycle lifecycle();

  /** Returns the experiment artifacts (checkpoints, adapters, datasets …). */
  Artifacts artifacts();

  /**
   * Spawns an agent: leases its GPUs, writes its coordination prompt, gives it a worktree when
   * asked, and starts it with its runtime, its environment set before it starts.
   *
   * @throws GpuUnavailableException when a GPU asked for is leased by a running agent, or too few
   *     are free
   * @throws AgentLaunchException when the runtime cannot start it
   * @throws IllegalArgumentException when the spec is invalid or the name is taken
   * @since 0.1
   */
  Agent spawn(AgentSpec spec);

  /**
   * Returns a live handle on an agent of this team, spawned by any process.
   *
   * @throws java.util.NoSuchElementException naming the team's agents when there is none
   * @since 0.1
   */
  Agent agent(String idOrName);

  /**
   * Returns the agents' git worktrees: checkpoint, merge, cleanup.
   *
   * @since 0.1
   */
  Workspaces workspaces();

  /**
   * Runs one health pass: agents whose process ended are marked dead, their running tasks go
   * back to {@code pending} and their GPUs are freed; running tasks whose lease has expired (on
   * the data directory's clock) go back to {@code pending} too; agents without any sign of life
   * for longer than {@code stuckAfter} are reported stuck.
   *
   * @since 0.1
   */
  HealthReport checkHealth(java.time.Duration stuckAfter);

  /**
   * Calls {@code listener} for every change to this team, whichever process made it. Events of
   * this JVM arrive at once; those of other processes within the watch latency (file-system
   * notification, else polling). Listeners run on the team's event thread and must not block.
   */
  Subscription subscribe(Consumer<TeamEvent> listener);

  /**
   * Stops this handle's listeners and watchers, and the agents it spawned that are not {@link
   * AgentSpec#detached() detached}. Idempotent.
   */
  @Override
  void close();
}
