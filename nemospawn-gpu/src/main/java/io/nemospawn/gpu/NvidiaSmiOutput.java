package io.nemospawn.gpu;

import io.nemospawn.gpu.internal.NvidiaSmiGpuProbe;
import io.nemospawn.topology.Gpu;
import java.util.List;

/**
 * Reads {@code nvidia-smi} output that was produced elsewhere (on another host, over SSH) with the
 * parser of the local probe.
 *
 * @since 0.4
 */
public final class NvidiaSmiOutput {
  private NvidiaSmiOutput() {}

  /** Returns the arguments to give {@code nvidia-smi} for {@link #gpus}. */
  public static List<String> queryArguments() {
    return NvidiaSmiGpuProbe.queryArguments();
  }

  /**
   * Returns the GPUs that the query output lists.
   *
   * @throws IllegalArgumentException quoting a line that does not have the expected fields
   */
  public static List<Gpu> gpus(String queryOutput) {
    return NvidiaSmiGpuProbe.parseGpus(queryOutput);
  }
}
