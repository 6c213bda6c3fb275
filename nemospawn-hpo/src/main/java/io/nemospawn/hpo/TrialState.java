package io.nemospawn.hpo;

import org.apiguardian.api.API;

/**
 * The state of a trial; the names are Optuna's and are stable (the CLI and storages print them).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum TrialState {
  RUNNING,
  COMPLETE,
  PRUNED,
  FAIL,
  WAITING;

  /** Returns whether the trial has ended (complete, pruned or failed). */
  public boolean isFinished() {
    return this == COMPLETE || this == PRUNED || this == FAIL;
  }
}
