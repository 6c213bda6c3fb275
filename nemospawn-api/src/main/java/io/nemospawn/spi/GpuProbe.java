package io.nemospawn.spi;

import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Reads GPUs from the machine: NVML, {@code nvidia-smi}, DCGM. Found with {@link
 * java.util.ServiceLoader} (a {@code META-INF/services/io.nemospawn.spi.GpuProbe} file) and tried
 * in ascending {@link #priority()} by {@link GpuTopology#detect()} and {@link
 * io.nemospawn.topology.GpuSnapshot#take}; the first that answers wins, the failures of the
 * others become warnings.
 *
 * <p>A probe that cannot answer here (library absent, tool not on the PATH, timed out) throws a
 * {@link RuntimeException} whose message says why and how to fix it; one that never answers a
 * kind of question (DCGM does not discover topology) throws {@link
 * UnsupportedOperationException}. Implementations must be thread-safe and load native code
 * lazily, on the first call, never in a constructor or static initialiser.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface GpuProbe {
  /** Returns a short name shown to users: {@code nvml}, {@code nvidia-smi}, {@code dcgm}. */
  String name();

  /**
   * Returns the order in which probes are tried; lower first (recorded 0, dcgm 10, nvml 20,
   * nvidia-smi 30).
   */
  int priority();

  /**
   * Returns the GPUs, their links and, where cheap, their current metrics. The topology's {@link
   * GpuTopology#source()} is {@link #name()}.
   *
   * @throws UnsupportedOperationException when this probe never discovers topology
   * @throws RuntimeException with the reason when it cannot answer on this machine
   */
  GpuTopology discover();

  /**
   * Returns current metrics of every GPU, ordered by index.
   *
   * @throws UnsupportedOperationException when this probe never reads metrics
   * @throws RuntimeException with the reason when it cannot answer on this machine
   */
  List<GpuMetrics> sample();
}
