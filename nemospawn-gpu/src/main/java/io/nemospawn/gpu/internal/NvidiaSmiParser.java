package io.nemospawn.gpu.internal;

import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Link;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses the text of {@code nvidia-smi --query-gpu=… --format=csv,noheader,nounits} and {@code
 * nvidia-smi topo -m}. {@code N/A}, {@code [N/A]} and {@code [Not Supported]} become unknown
 * values. Stateless; thread-safe.
 */
final class NvidiaSmiParser {
  /** The fields asked for, in this order. */
  static final List<String> QUERY_FIELDS = List.of(
      "index",
      "name",
      "uuid",
      "pci.bus_id",
      "memory.total",
      "memory.used",
      "utilization.gpu",
      "utilization.memory",
      "temperature.gpu",
      "power.draw",
      "power.limit",
      "ecc.errors.corrected.volatile.total",
      "ecc.errors.uncorrected.volatile.total",
      "mig.mode.current");

  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

  private NvidiaSmiParser() {}

  /** One line of the query: the GPU and its readings. */
  record Row(Gpu gpu, GpuMetrics metrics) {}

  /**
   * Parses the query output, one GPU a line.
   *
   * @throws IllegalArgumentException quoting the line that does not have the expected fields
   */
  static List<Row> parseQuery(String text) {
    List<Row> rows = new ArrayList<>();
    for (String line : text.split("\\R")) {
      if (line.isBlank()) {
        continue;
      }
      List<String> f = new ArrayList<>(List.of(line.split(",", -1)));
      // A product name with a comma would add fields: glue them back onto the name.
      while (f.size() > QUERY_FIELDS.size()) {
        f.set(1, f.get(1) + "," + f.remove(2));
      }
      if (f.size() != QUERY_FIELDS.size()) {
        throw new IllegalArgumentException("Unexpected nvidia-smi --query-gpu line '" + line.strip()
            + "': " + f.size() + " fields instead of " + QUERY_FIELDS.size() + " ("
            + String.join(",", QUERY_FIELDS) + "); is the driver too old?");
      }
      f.replaceAll(String::strip);
      double rawIndex = number(f.get(0), line);
      int index = (int) rawIndex;
      if (Double.isNaN(rawIndex) || index < 0) {
        throw new IllegalArgumentException(
            "nvidia-smi line without a GPU index: '" + line.strip() + "'");
      }
      double total = number(f.get(4), line);
      double used = number(f.get(5), line);
      String mig = f.get(13).toLowerCase(Locale.ROOT);
      Gpu gpu = new Gpu(
          index,
          f.get(1),
          known(f.get(2)) ? f.get(2) : "",
          known(f.get(3)) ? f.get(3) : "",
          Double.isNaN(total) ? 0 : (long) total,
          Double.isNaN(used) ? 0 : (long) used,
          mig.equals("enabled"),
          "",
          -1);
      double sbe = number(f.get(11), line);
      double dbe = number(f.get(12), line);
      GpuMetrics m = GpuMetrics.unknown(index)
          .withUtilisation(number(f.get(6), line), number(f.get(7), line))
          .withTemperature(number(f.get(8), line))
          .withPower(number(f.get(9), line), number(f.get(10), line))
          .withEcc(Double.isNaN(sbe) ? -1 : (long) sbe, Double.isNaN(dbe) ? -1 : (long) dbe);
      rows.add(new Row(gpu, m));
    }
    rows.sort((a, b) -> Integer.compare(a.gpu().index(), b.gpu().index()));
    return rows;
  }

  /** The parsed {@code topo -m} matrix: links and, per GPU, CPU and NUMA affinity. */
  record TopoMatrix(
      Map<Integer, Map<Integer, Link>> links,
      Map<Integer, String> cpuAffinity,
      Map<Integer, Integer> numaNode,
      List<String> warnings) {}

  /**
   * Parses {@code nvidia-smi topo -m}: the header names the columns ({@code GPU<n>}, {@code
   * NIC<n>}, {@code CPU Affinity}, {@code NUMA Affinity}, {@code GPU NUMA ID}); rows starting with
   * {@code GPU<n>} give that GPU's links. NIC rows and the legend are skipped; terminal escape
   * codes are removed.
   *
   * @throws IllegalArgumentException when there is no header with GPU columns
   */
  static TopoMatrix parseTopo(String text) {
    List<String> lines = new ArrayList<>();
    for (String l : text.split("\\R")) {
      lines.add(ANSI.matcher(l).replaceAll(""));
    }
    List<String> header = null;
    Map<Integer, Map<Integer, Link>> links = new TreeMap<>();
    Map<Integer, String> cpu = new TreeMap<>();
    Map<Integer, Integer> numa = new TreeMap<>();
    List<String> warnings = new ArrayList<>();
    for (String line : lines) {
      if (header == null) {
        if (line.contains("GPU0") && line.split("\t", -1)[0].isBlank()) {
          header = new ArrayList<>();
          for (String cell : line.split("\t", -1)) {
            header.add(cell.strip());
          }
          while (!header.isEmpty() && header.get(0).isEmpty()) {
            header.remove(0);
          }
        }
        continue;
      }
      if (line.isBlank() || line.startsWith("Legend")) {
        if (!links.isEmpty()) {
          break;
        }
        continue;
      }
      String[] cells = line.split("\t", -1);
      String rowName = cells[0].strip();
      if (!rowName.matches("GPU\\d+")) {
        continue;
      }
      int row = Integer.parseInt(rowName.substring(3));
      Map<Integer, Link> rowLinks = new LinkedHashMap<>();
      List<String> rest = new ArrayList<>();
      for (int c = 1; c < cells.length; c++) {
        int col = c - 1;
        String name = col < header.size() ? header.get(col) : "";
        String cell = cells[c].strip();
        if (name.matches("GPU\\d+")) {
          int other = Integer.parseInt(name.substring(3));
          if (other == row) {
            continue;
          }
          try {
            rowLinks.put(other, Link.parse(cell));
          } catch (IllegalArgumentException e) {
            warnings.add("nvidia-smi topo -m: GPU" + row + "-GPU" + other + " link '" + cell
                + "' is unknown; treated as SYS");
            rowLinks.put(other, Link.parse("SYS"));
          }
        } else if (!name.startsWith("NIC") && !cell.isEmpty()) {
          rest.add(cell);
        }
      }
      links.put(row, rowLinks);
      // CPU Affinity, NUMA Affinity, GPU NUMA ID in that order; empty cells were dropped above,
      // because some drivers print two tabs before GPU NUMA ID.
      if (!rest.isEmpty() && known(rest.get(0))) {
        cpu.put(row, rest.get(0));
      }
      if (rest.size() > 1 && rest.get(1).matches("\\d+")) {
        numa.put(row, Integer.parseInt(rest.get(1)));
      }
    }
    if (header == null) {
      throw new IllegalArgumentException(
          "nvidia-smi topo -m printed no matrix (no header with GPU0); first line: '"
              + (lines.isEmpty() ? "" : lines.get(0).strip()) + "'");
    }
    return new TopoMatrix(links, cpu, numa, warnings);
  }

  /** Combines query rows and a {@code topo -m} matrix (or none) into a topology. */
  static GpuTopology topology(List<Row> rows, @Nullable TopoMatrix matrix, String source) {
    GpuTopology.Builder b = GpuTopology.builder().source(source);
    for (Row r : rows) {
      Gpu g = r.gpu();
      if (matrix != null) {
        g = g.withAffinity(
            matrix.cpuAffinity().getOrDefault(g.index(), ""),
            matrix.numaNode().getOrDefault(g.index(), -1));
      }
      b.gpu(g).metrics(r.metrics());
    }
    if (matrix != null) {
      matrix.warnings().forEach(b::warning);
      List<Integer> indices = rows.stream().map(r -> r.gpu().index()).toList();
      matrix
          .links()
          .forEach((a, row) -> row.forEach((c, link) -> {
            if (a < c && indices.contains(a) && indices.contains(c)) {
              b.link(a, c, link);
            }
          }));
      for (int a : indices) {
        if (!matrix.links().containsKey(a)) {
          b.warning("nvidia-smi topo -m has no row for GPU " + a + "; its links are taken as SYS");
        }
      }
    }
    return b.build();
  }

  static boolean known(String cell) {
    String c = cell.strip();
    return !(c.isEmpty()
        || c.equalsIgnoreCase("N/A")
        || c.equalsIgnoreCase("[N/A]")
        || c.startsWith("[Not Supported")
        || c.startsWith("[Unknown")
        || c.startsWith("[Insufficient"));
  }

  private static double number(String cell, String line) {
    if (!known(cell)) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(cell.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Unexpected value '" + cell.strip() + "' in nvidia-smi line '" + line.strip()
              + "'; expected a number or N/A",
          e);
    }
  }
}
