package io.nemospawn.topology;

import org.apiguardian.api.API;

/**
 * How two GPUs are connected, with the labels of {@code nvidia-smi topo -m}. The PCIe kinds are
 * ordered from nearest ({@link #PIX}) to farthest ({@link #SYS}).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum LinkKind {
  /** The GPU itself ({@code X}). */
  SELF("X", 0),
  /** A bonded set of NVLinks ({@code NV<n>}). */
  NVLINK("NV", 0),
  /** At most a single PCIe bridge. */
  PIX("PIX", 1),
  /** Multiple PCIe bridges, without the PCIe host bridge. */
  PXB("PXB", 2),
  /** PCIe and a PCIe host bridge (typically the CPU). */
  PHB("PHB", 3),
  /** PCIe and the interconnect between host bridges within a NUMA node. */
  NODE("NODE", 4),
  /** PCIe and the SMP interconnect between NUMA nodes (QPI/UPI, xGMI). */
  SYS("SYS", 5);

  private final String label;
  private final int distance;

  LinkKind(String label, int distance) {
    this.label = label;
    this.distance = distance;
  }

  /** Returns the label {@code nvidia-smi topo -m} prints ({@code NV} without the count). */
  public String label() {
    return label;
  }

  /** Returns the PCIe distance: 0 for self and NVLink, 1 ({@code PIX}) to 5 ({@code SYS}). */
  public int distance() {
    return distance;
  }
}
