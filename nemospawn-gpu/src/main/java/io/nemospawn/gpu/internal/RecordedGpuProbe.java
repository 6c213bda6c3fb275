package io.nemospawn.gpu.internal;

import io.nemospawn.spi.GpuProbe;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Replays a recording of {@code nvidia-smi} through the real parser: a directory with {@code
 * query.csv} (the output of {@code nvidia-smi --query-gpu=<QUERY_FIELDS>
 * --format=csv,noheader,nounits}) and, optionally, {@code topo.txt} (the output of {@code
 * nvidia-smi topo -m}). Answers only when the {@code nemospawn.gpu.recorded} setting ({@code
 * NEMOSPAWN_GPU_RECORDED}) names such a directory, and then first of all probes, so tests and
 * demos see the recorded machine on any host; otherwise it never answers and is skipped without a
 * warning. Used by the JUnit harness's {@code @FakeGpus}. Stateless; thread-safe.
 */
public final class RecordedGpuProbe implements GpuProbe {
  /** The name shown as the topology's source. */
  public static final String NAME = "recorded";
  /** The system property naming the recording's directory. */
  public static final String PROPERTY = "nemospawn.gpu.recorded";
  /** The environment variable naming the recording's directory. */
  public static final String ENV = "NEMOSPAWN_GPU_RECORDED";

  /** For ServiceLoader. */
  public RecordedGpuProbe() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public GpuTopology discover() {
    Path dir = directory();
    List<NvidiaSmiParser.Row> rows = rows(dir);
    Path topo = dir.resolve("topo.txt");
    NvidiaSmiParser.TopoMatrix matrix =
        Files.isRegularFile(topo) ? NvidiaSmiParser.parseTopo(read(topo)) : null;
    return NvidiaSmiParser.topology(rows, matrix, NAME);
  }

  @Override
  public List<GpuMetrics> sample() {
    return rows(directory()).stream().map(NvidiaSmiParser.Row::metrics).toList();
  }

  private static Path directory() {
    String setting = GpuSettings.get(PROPERTY, ENV, "");
    if (setting.isEmpty()) {
      throw new UnsupportedOperationException("no recording configured");
    }
    return Path.of(setting);
  }

  private static List<NvidiaSmiParser.Row> rows(Path dir) {
    Path query = dir.resolve("query.csv");
    if (!Files.isRegularFile(query)) {
      throw new IllegalArgumentException("Cannot replay recorded GPUs from '" + dir + "' ("
          + PROPERTY + " / " + ENV + "): it has no query.csv; record one with: nvidia-smi"
          + " --query-gpu=" + String.join(",", NvidiaSmiParser.QUERY_FIELDS)
          + " --format=csv,noheader,nounits > query.csv (and nvidia-smi topo -m > topo.txt)");
    }
    try {
      return NvidiaSmiParser.parseQuery(read(query));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot replay recorded GPUs from '" + query + "': " + e.getMessage(), e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read the recorded GPUs in '" + file + "': " + e, e);
    }
  }

  @Override
  public String toString() {
    return "RecordedGpuProbe";
  }
}
