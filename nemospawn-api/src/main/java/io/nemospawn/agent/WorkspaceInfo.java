package io.nemospawn.agent;

import java.nio.file.Path;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An agent's git worktree.
 *
 * @param agentId the agent
 * @param agentName its name
 * @param path the worktree
 * @param branch its branch, {@code nemospawn/<team_id>/<agent_name>}
 * @param repo the repository it belongs to
 * @param exists whether the directory is still there
 * @param dirty whether it has uncommitted changes
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record WorkspaceInfo(
    String agentId,
    String agentName,
    Path path,
    String branch,
    Path repo,
    boolean exists,
    boolean dirty) {
  /** Validates. */
  public WorkspaceInfo {
    Objects.requireNonNull(agentId, "agentId");
    Objects.requireNonNull(agentName, "agentName");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(repo, "repo");
  }
}
