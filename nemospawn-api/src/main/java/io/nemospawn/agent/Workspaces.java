package io.nemospawn.agent;

import java.util.List;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The agents' git worktrees: one per agent (when spawned with a repository) on branch {@code
 * nemospawn/<team_id>/<agent_name>}. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Workspaces {
  /** Lists the worktrees of the team's agents. */
  List<WorkspaceInfo> list();

  /**
   * Commits everything in an agent's worktree.
   *
   * @return the commit, or empty when there was nothing to commit
   * @throws java.util.NoSuchElementException when the agent has no worktree
   */
  Optional<String> checkpoint(String agent, String message);

  /**
   * Merges an agent's branch into {@code target} (empty: the branch checked out in the
   * repository).
   *
   * @return the resulting commit of {@code target}
   * @throws io.nemospawn.MergeConflictException naming the conflicting files; {@code target} is untouched
   */
  String merge(String agent, String target);

  /** Removes an agent's worktree (the branch stays) and prunes git's worktree list. */
  void cleanup(String agent);
}
