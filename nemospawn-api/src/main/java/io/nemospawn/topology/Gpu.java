package io.nemospawn.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import org.apiguardian.api.API;

/**
 * One GPU as discovery found it: identity, memory, MIG mode and CPU affinity.
 *
 * <pre>{@code
 * Gpu gpu = Gpu.of(0, "NVIDIA H100 80GB HBM3").withMemory(81559, 0);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param index the index as NVML and {@code nvidia-smi} number it (not the CUDA index)
 * @param name the product name, such as {@code NVIDIA H100 80GB HBM3}
 * @param uuid the GPU UUID ({@code GPU-…}), empty when unknown
 * @param pciBusId the PCI bus id ({@code 00000000:18:00.0}), empty when unknown
 * @param memoryTotalMb total memory in MiB, 0 when unknown
 * @param memoryUsedMb used memory in MiB, 0 when unknown
 * @param migEnabled whether MIG mode is on (such a GPU is shared by its MIG instances)
 * @param cpuAffinity the CPUs near the GPU as {@code nvidia-smi topo -m} prints them ({@code
 *     0-55,112-167}), empty when unknown
 * @param numaNode the NUMA node near the GPU, -1 when unknown
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Gpu(
    int index,
    String name,
    String uuid,
    String pciBusId,
    long memoryTotalMb,
    long memoryUsedMb,
    boolean migEnabled,
    String cpuAffinity,
    int numaNode) {

  /** Validates the parts. */
  public Gpu {
    if (index < 0) {
      throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(pciBusId, "pciBusId");
    Objects.requireNonNull(cpuAffinity, "cpuAffinity");
    if (memoryTotalMb < 0 || memoryUsedMb < 0) {
      throw new IllegalArgumentException("GPU " + index + " memory must be >= 0, got total "
          + memoryTotalMb + " MiB, used " + memoryUsedMb + " MiB");
    }
    if (numaNode < -1) {
      throw new IllegalArgumentException(
          "GPU " + index + " NUMA node must be >= 0 or -1 (unknown), got " + numaNode);
    }
  }

  /** Returns a GPU with only an index and a name; everything else unknown. */
  public static Gpu of(int index, String name) {
    return new Gpu(index, name, "", "", 0, 0, false, "", -1);
  }

  /** Returns a copy with the given memory figures in MiB. */
  public Gpu withMemory(long totalMb, long usedMb) {
    return new Gpu(index, name, uuid, pciBusId, totalMb, usedMb, migEnabled, cpuAffinity, numaNode);
  }

  /** Returns a copy with the given UUID and PCI bus id. */
  public Gpu withIdentity(String newUuid, String newPciBusId) {
    return new Gpu(
        index,
        name,
        newUuid,
        newPciBusId,
        memoryTotalMb,
        memoryUsedMb,
        migEnabled,
        cpuAffinity,
        numaNode);
  }

  /** Returns a copy with the given MIG mode. */
  public Gpu withMigEnabled(boolean enabled) {
    return new Gpu(
        index, name, uuid, pciBusId, memoryTotalMb, memoryUsedMb, enabled, cpuAffinity, numaNode);
  }

  /** Returns a copy with the given CPU affinity and NUMA node (-1 when unknown). */
  public Gpu withAffinity(String cpus, int numa) {
    return new Gpu(
        index, name, uuid, pciBusId, memoryTotalMb, memoryUsedMb, migEnabled, cpus, numa);
  }

  /** Returns the NUMA node near the GPU, if known. */
  public OptionalInt findNumaNode() {
    return numaNode < 0 ? OptionalInt.empty() : OptionalInt.of(numaNode);
  }

  /**
   * Returns the GPU as an entry of {@code gpus} in FORMAT.md's team.json: {@code index}, {@code
   * name}, {@code uuid}, {@code memory_total_mb}, {@code memory_used_mb}.
   */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", index);
    m.put("name", name);
    m.put("uuid", uuid);
    m.put("memory_total_mb", memoryTotalMb);
    m.put("memory_used_mb", memoryUsedMb);
    return m;
  }
}
