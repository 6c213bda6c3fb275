package io.nemospawn.cli;

import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Link;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints a GPU topology, the machine's ({@code gpu topology}) or a team's ({@code team
 * topology}): the link matrix and the NVLink islands as a table, or JSON with {@code --json}.
 */
final class TopologyView {
  private TopologyView() {}

  /**
   * Prints {@code t}; {@code first} holds the JSON fields and the first human line that come
   * before the topology (such as the probe or the team).
   */
  static int print(Output out, GpuTopology t, Map<String, Object> fields, String first) {
    List<Map<String, Object>> islands = new ArrayList<>();
    for (List<Integer> island : t.islands()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("gpus", island);
      m.put("fully_connected", t.isFullyConnected(island));
      m.put("nvlink_total", t.nvLinkTotal(island));
      islands.add(m);
    }
    if (out.json()) {
      Map<String, Object> m = new LinkedHashMap<>(fields);
      m.put("source", t.source());
      m.put("warnings", t.warnings());
      m.putAll(t.toFormatMap());
      m.put("islands", islands);
      out.json(m);
      return ExitCodes.OK;
    }
    GpuCommand.warn(out, t.warnings());
    out.println(first);
    if (t.isEmpty()) {
      out.println("No GPUs.");
      return ExitCodes.OK;
    }
    List<String> header = new ArrayList<>();
    header.add("");
    for (int i : t.indices()) {
      header.add("GPU" + i);
    }
    header.add("CPU AFFINITY");
    header.add("NUMA");
    List<List<String>> rows = new ArrayList<>();
    for (Gpu a : t.gpus()) {
      List<String> row = new ArrayList<>();
      row.add("GPU" + a.index());
      for (int b : t.indices()) {
        row.add(t.link(a.index(), b).toString());
      }
      row.add(a.cpuAffinity().isEmpty() ? "N/A" : a.cpuAffinity());
      row.add(a.numaNode() < 0 ? "N/A" : Integer.toString(a.numaNode()));
      rows.add(row);
    }
    out.table(header, rows);
    out.println("");
    if (t.islands().isEmpty()) {
      out.println("NVLink islands: none (GPUs talk over PCIe)");
    }
    for (Map<String, Object> island : islands) {
      @SuppressWarnings("unchecked")
      List<Integer> gpus = (List<Integer>) island.get("gpus");
      int links = island.get("nvlink_total") instanceof Number n ? n.intValue() : 0;
      out.println("NVLink island " + gpus + ": "
          + (Boolean.TRUE.equals(island.get("fully_connected"))
              ? "fully connected"
              : "not fully connected (some pairs go through other GPUs)")
          + ", " + links + " NVLinks, ~" + links * Link.NVLINK_GBPS_PER_LINK
          + " GB/s between its pairs in total");
    }
    return ExitCodes.OK;
  }
}
