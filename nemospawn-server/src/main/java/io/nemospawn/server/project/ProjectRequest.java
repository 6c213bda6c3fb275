package io.nemospawn.server.project;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What a project is made of: a title, a local git repository, the base branch (empty: the
 * repository's current branch), the worker teams (the first holds the task graph) and the tasks.
 *
 * @param title the title
 * @param repoPath an existing git checkout
 * @param baseBranch the branch every task starts from, or "" for the repository's current branch
 * @param workerTeamIds ids or names of the teams whose agents work on tasks
 * @param tasks the tasks (validated by {@link Projects#create})
 * @param planId the plan that produced the tasks, or ""
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record ProjectRequest(
    String title,
    Path repoPath,
    String baseBranch,
    List<String> workerTeamIds,
    List<ProjectTask> tasks,
    String planId) {
  /** Checks the title and copies the lists. */
  public ProjectRequest {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(repoPath, "repoPath");
    if (title.isBlank()) {
      throw new IllegalArgumentException("The project title is empty; give a title");
    }
    baseBranch = baseBranch == null ? "" : baseBranch;
    workerTeamIds = List.copyOf(workerTeamIds);
    tasks = List.copyOf(tasks);
    planId = planId == null ? "" : planId;
  }

  /**
   * A request on the repository's current branch.
   *
   * @param title the title
   * @param repoPath the repository
   * @param workerTeamIds the worker teams
   * @param tasks the tasks
   * @return the request
   */
  public static ProjectRequest of(
      String title, Path repoPath, List<String> workerTeamIds, List<ProjectTask> tasks) {
    return new ProjectRequest(title, repoPath, "", workerTeamIds, tasks, "");
  }

  /**
   * A copy with another base branch.
   *
   * @param branch the base branch
   * @return the copy
   */
  public ProjectRequest withBaseBranch(String branch) {
    return new ProjectRequest(title, repoPath, branch, workerTeamIds, tasks, planId);
  }
}
