package io.nemospawn.task;

import org.apiguardian.api.API;

/**
 * What happens to the dependents of a task that fails or is cancelled.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum FailurePolicy {
  /** Dependents (transitively) fail too, with the failed dependency named in their metadata. */
  FAIL_DEPENDENTS,
  /** Dependents stay blocked; a retry of the failed task can still unblock them. Default. */
  KEEP_BLOCKED
}
