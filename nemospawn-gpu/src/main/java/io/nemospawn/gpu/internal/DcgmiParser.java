package io.nemospawn.gpu.internal;

import io.nemospawn.topology.GpuMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses {@code dcgmi dmon -e 203,204,1002,150,155,310,311 -c 1}. The header names the columns by
 * DCGM's short field names; each {@code GPU <id>} line gives the values, {@code N/A} when a field
 * is not supported. Stateless; thread-safe.
 *
 * <p>Field ids (dcgm_fields.h): 203 {@code DCGM_FI_DEV_GPU_UTIL} (GPUTL, %), 204 {@code
 * DCGM_FI_DEV_MEM_COPY_UTIL} (MCUTL, %), 1002 {@code DCGM_FI_PROF_SM_ACTIVE} (SMACT, a ratio
 * 0–1), 150 {@code DCGM_FI_DEV_GPU_TEMP} (TMPTR, °C), 155 {@code DCGM_FI_DEV_POWER_USAGE} (POWER,
 * W), 310 {@code DCGM_FI_DEV_ECC_SBE_VOL_TOTAL} (ESVTL), 311 {@code DCGM_FI_DEV_ECC_DBE_VOL_TOTAL}
 * (EDVTL).
 */
final class DcgmiParser {
  /** The field ids asked for. */
  static final String FIELDS = "203,204,1002,150,155,310,311";

  private static final Map<String, String> COLUMNS = Map.of(
      "GPUTL", "gpu", "MCUTL", "mem", "SMACT", "sm", "TMPTR", "temp", "POWER", "power", "ESVTL",
      "sbe", "EDVTL", "dbe");

  private DcgmiParser() {}

  /**
   * Parses the output.
   *
   * @throws IllegalArgumentException when there is no header or no GPU line, quoting the output
   */
  static List<GpuMetrics> parse(String text) {
    List<String> columns = null;
    List<GpuMetrics> result = new ArrayList<>();
    for (String line : text.split("\\R")) {
      String t = line.strip();
      if (t.startsWith("#Entity") || t.startsWith("# Entity")) {
        columns =
            new ArrayList<>(List.of(t.replaceFirst("^#\\s*Entity", "").strip().split("\\s+")));
        continue;
      }
      if (columns == null || !t.startsWith("GPU ")) {
        continue;
      }
      String[] parts = t.split("\\s+");
      if (parts.length < 2 + columns.size()) {
        throw new IllegalArgumentException("Unexpected dcgmi dmon line '" + t + "': "
            + (parts.length - 2) + " values for " + columns.size() + " columns " + columns);
      }
      GpuMetrics m = GpuMetrics.unknown(Integer.parseInt(parts[1]));
      double gpu = Double.NaN;
      double mem = Double.NaN;
      double sm = Double.NaN;
      double temp = Double.NaN;
      double power = Double.NaN;
      long sbe = -1;
      long dbe = -1;
      for (int i = 0; i < columns.size(); i++) {
        String key = COLUMNS.get(columns.get(i).toUpperCase(Locale.ROOT));
        double v = value(parts[2 + i], t);
        if (key == null) {
          continue;
        }
        switch (key) {
          case "gpu" -> gpu = v;
          case "mem" -> mem = v;
          case "sm" -> sm = Double.isNaN(v) ? v : v * 100;
          case "temp" -> temp = v;
          case "power" -> power = v;
          case "sbe" -> sbe = Double.isNaN(v) ? -1 : (long) v;
          case "dbe" -> dbe = Double.isNaN(v) ? -1 : (long) v;
          default -> throw new IllegalStateException(key);
        }
      }
      result.add(m.withUtilisation(gpu, mem)
          .withSmActive(sm)
          .withTemperature(temp)
          .withPower(power, Double.NaN)
          .withEcc(sbe, dbe));
    }
    if (result.isEmpty()) {
      String first = text.strip().lines().findFirst().orElse("");
      throw new IllegalArgumentException(
          "dcgmi dmon printed no GPU line" + (first.isEmpty() ? "" : "; it said '" + first + "'"));
    }
    result.sort((a, b) -> Integer.compare(a.index(), b.index()));
    return result;
  }

  private static double value(String cell, String line) {
    if (!NvidiaSmiParser.known(cell)) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(cell);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Unexpected value '" + cell + "' in dcgmi dmon line '" + line + "'", e);
    }
  }
}
