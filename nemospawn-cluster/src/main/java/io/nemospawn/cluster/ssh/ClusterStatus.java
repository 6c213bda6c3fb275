package io.nemospawn.cluster.ssh;

import io.nemospawn.topology.Gpu;
import java.util.List;
import org.apiguardian.api.API;

/**
 * What {@link Clusters#status} saw on a cluster.
 *
 * @param name the cluster
 * @param reachable whether a connection and a command succeeded
 * @param latencyMillis the round trip of one command, or -1 when unreachable
 * @param gpus the GPUs the remote {@code nvidia-smi} lists (empty without one)
 * @param gpuError why the GPUs could not be read, or an empty string
 * @param load the 1, 5 and 15 minute load averages, or an empty string
 * @param nemospawnVersion the remote {@code nemospawn --version}, or an empty string when it is
 *     not installed there
 * @param error why it is unreachable, or an empty string
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public record ClusterStatus(
    String name,
    boolean reachable,
    long latencyMillis,
    List<Gpu> gpus,
    String gpuError,
    String load,
    String nemospawnVersion,
    String error) {
  /** Copies. */
  public ClusterStatus {
    gpus = List.copyOf(gpus);
  }
}
