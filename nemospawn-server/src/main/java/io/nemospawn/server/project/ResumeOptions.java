package io.nemospawn.server.project;

import java.util.List;
import org.apiguardian.api.API;

/**
 * How {@link Projects#resume} reconciles: retry failed tasks, re-verify completed ones against
 * their branches, and optionally replace the worker teams.
 *
 * @param retryFailed put failed tasks back to pending (default false)
 * @param reverifyCompleted check each completed task's branch still holds its verified commit
 *     (default true)
 * @param workerTeamIds a replacement worker pool, or empty to keep the project's
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record ResumeOptions(
    boolean retryFailed, boolean reverifyCompleted, List<String> workerTeamIds) {
  /** Copies the list. */
  public ResumeOptions {
    workerTeamIds = List.copyOf(workerTeamIds);
  }

  /** Returns Codeswarm's defaults: no retry, re-verify, same workers. */
  public static ResumeOptions defaults() {
    return new ResumeOptions(false, true, List.of());
  }

  /**
   * A copy with {@code retryFailed} set.
   *
   * @param retry whether to retry failed tasks
   * @return the copy
   */
  public ResumeOptions withRetryFailed(boolean retry) {
    return new ResumeOptions(retry, reverifyCompleted, workerTeamIds);
  }
}
