package io.nemospawn.topology;

/** Hand-made topologies of real machine shapes, shared by the tests. */
final class Topologies {
  private Topologies() {}

  /** DGX-1 with 8 V100: hybrid cube mesh, one island that is not a clique; NUMA 0 and 1. */
  static GpuTopology dgx1() {
    String[] rows = {
      "X NV1 NV1 NV2 NV2 SYS SYS SYS",
      "NV1 X NV2 NV1 SYS NV2 SYS SYS",
      "NV1 NV2 X NV2 SYS SYS NV1 SYS",
      "NV2 NV1 NV2 X SYS SYS SYS NV1",
      "NV2 SYS SYS SYS X NV1 NV1 NV2",
      "SYS NV2 SYS SYS NV1 X NV2 NV1",
      "SYS SYS NV1 SYS NV1 NV2 X NV2",
      "SYS SYS SYS NV1 NV2 NV1 NV2 X"
    };
    GpuTopology.Builder b = GpuTopology.builder();
    for (int i = 0; i < 8; i++) {
      b.gpu(
          Gpu.of(i, "Tesla V100-SXM2-32GB").withAffinity(i < 4 ? "0-19" : "20-39", i < 4 ? 0 : 1));
    }
    for (int i = 0; i < 8; i++) {
      String[] cells = rows[i].split(" ");
      for (int j = i + 1; j < 8; j++) {
        b.link(i, j, cells[j]);
      }
    }
    return b.build();
  }

  /** Two 4-GPU islands with NV4 inside, SYS between. */
  static GpuTopology twoIslands() {
    GpuTopology.Builder b = GpuTopology.builder();
    for (int i = 0; i < 8; i++) {
      b.gpu(Gpu.of(i, "A100"));
    }
    for (int i = 0; i < 8; i++) {
      for (int j = i + 1; j < 8; j++) {
        b.link(i, j, (i < 4) == (j < 4) ? "NV4" : "SYS");
      }
    }
    return b.build();
  }

  /** Four PCIe GPUs: 0-1 and 2-3 under one NUMA node each (NODE), SYS across. */
  static GpuTopology pcie4() {
    GpuTopology.Builder b = GpuTopology.builder();
    for (int i = 0; i < 4; i++) {
      b.gpu(Gpu.of(i, "L40S"));
    }
    b.link(0, 1, "NODE").link(2, 3, "NODE");
    return b.build();
  }
}
