package io.nemospawn.cluster.slurm;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * One SLURM job (or array task) as {@code squeue} or, once it has left the queue, {@code sacct}
 * reports it.
 *
 * @param id the job id ({@code 123}, or {@code 123_4} for an array task)
 * @param name the job's name
 * @param state SLURM's state: {@code PENDING}, {@code RUNNING}, {@code COMPLETED}, {@code
 *     CANCELLED}, {@code TIMEOUT}, {@code FAILED}, ...
 * @param exitCode the batch script's exit code once finished and known
 * @param signal the signal that ended it, or 0
 * @param nodes the node list (empty while pending)
 * @param elapsed run time as SLURM prints it
 * @param reason why it waits or how it ended, or empty
 * @param source {@code squeue} or {@code sacct}
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public record SlurmJob(
    String id,
    String name,
    String state,
    OptionalInt exitCode,
    int signal,
    String nodes,
    String elapsed,
    String reason,
    String source) {

  private static final Set<String> ACTIVE = Set.of(
      "PENDING",
      "CONFIGURING",
      "RUNNING",
      "SUSPENDED",
      "COMPLETING",
      "REQUEUED",
      "REQUEUE_HOLD",
      "REQUEUE_FED",
      "RESIZING",
      "SIGNALING",
      "STAGE_OUT",
      "STOPPED",
      "RESV_DEL_HOLD");

  /** Validates. */
  public SlurmJob {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(nodes, "nodes");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(source, "source");
  }

  /** Returns whether the job is queued or running (not yet finished). */
  public boolean active() {
    return ACTIVE.contains(state);
  }

  /** Returns whether SLURM ended it: cancelled, out of time, node failure, preempted, out of memory. */
  public boolean killedBySlurm() {
    return state.startsWith("CANCELLED")
        || state.equals("TIMEOUT")
        || state.equals("NODE_FAIL")
        || state.equals("PREEMPTED")
        || state.equals("OUT_OF_MEMORY")
        || state.equals("DEADLINE");
  }
}
