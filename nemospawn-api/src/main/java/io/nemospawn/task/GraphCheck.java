package io.nemospawn.task;

import java.util.List;
import org.apiguardian.api.API;

/**
 * What {@link Tasks#check()} found in a team's task graph: every state the invariants forbid,
 * with its file and fix. Empty when the graph is consistent.
 *
 * @param problems the problems found, in the order they were found
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record GraphCheck(List<GraphProblem> problems) {
  /** Copies. */
  public GraphCheck {
    problems = List.copyOf(problems);
  }

  /** Returns whether no problem was found. */
  public boolean isClean() {
    return problems.isEmpty();
  }
}
