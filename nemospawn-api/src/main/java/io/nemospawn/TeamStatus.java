package io.nemospawn;

import io.nemospawn.agent.LifecycleState;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.task.TaskState;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * Counts of a team's tasks, agents and plans, read at one moment.
 *
 * @param team the team record
 * @param tasks tasks per state (every state present, zero included)
 * @param agents agents per lifecycle state
 * @param plans plans per status
 * @param problems unreadable records found while counting
 * @param graph the check of the task graph ({@link io.nemospawn.task.Tasks#check()}) made from
 *     the same read of the tasks
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record TeamStatus(
    TeamInfo team,
    Map<TaskState, Integer> tasks,
    Map<LifecycleState, Integer> agents,
    Map<PlanStatus, Integer> plans,
    int problems,
    io.nemospawn.task.GraphCheck graph) {
  /** Copies. */
  public TeamStatus {
    tasks = Map.copyOf(tasks);
    agents = Map.copyOf(agents);
    plans = Map.copyOf(plans);
    java.util.Objects.requireNonNull(graph, "graph");
  }

  /**
   * Counts without a graph check ({@link #graph()} is clean).
   *
   * @deprecated the runtime fills {@link #graph()}; use the canonical constructor
   */
  @Deprecated(since = "0.1")
  public TeamStatus(
      TeamInfo team,
      Map<TaskState, Integer> tasks,
      Map<LifecycleState, Integer> agents,
      Map<PlanStatus, Integer> plans,
      int problems) {
    this(team, tasks, agents, plans, problems, new io.nemospawn.task.GraphCheck(List.of()));
  }

  /** Returns the number of tasks in all states. */
  public int taskCount() {
    return tasks.values().stream().mapToInt(Integer::intValue).sum();
  }
}
