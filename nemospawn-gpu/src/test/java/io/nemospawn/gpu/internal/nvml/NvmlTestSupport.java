package io.nemospawn.gpu.internal.nvml;

import io.nemospawn.gpu.internal.Fixtures;
import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuTopology;
import java.util.Map;

final class NvmlTestSupport {
  private NvmlTestSupport() {}

  /** Returns the link matrix of the shape's recorded topo.txt, in team.json shape. */
  static Map<String, Map<String, String>> smiMatrix(String shape) {
    String[] lines = Fixtures.read(shape, "topo.txt").split("\\R");
    GpuTopology.Builder b = GpuTopology.builder();
    int n = lines[0].strip().split("\t").length - 2;
    for (int i = 0; i < n; i++) {
      b.gpu(Gpu.of(i, ""));
    }
    for (int i = 0; i < n; i++) {
      String[] cells = lines[1 + i].split("\t");
      for (int j = i + 1; j < n; j++) {
        b.link(i, j, cells[1 + j].strip());
      }
    }
    return b.build().toFormatMatrix();
  }
}
