package io.nemospawn.gpu.internal;

import io.nemospawn.spi.GpuProbe;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads GPUs by running {@code nvidia-smi --query-gpu=… --format=csv,noheader,nounits} and
 * {@code nvidia-smi topo -m}, each with a timeout. The second choice after NVML: it costs a
 * process per call. Thread-safe: stateless apart from its settings.
 */
public final class NvidiaSmiGpuProbe implements GpuProbe {
  /** The name shown as the topology's source. */
  public static final String NAME = "nvidia-smi";

  private static final Logger log = LoggerFactory.getLogger(NvidiaSmiGpuProbe.class);

  private static final String SETTING = "nemospawn.gpu.nvidia-smi (NEMOSPAWN_NVIDIA_SMI)";

  private final @Nullable String executable;
  private final @Nullable Duration timeout;

  /** Uses the configured executable and timeout ({@link GpuSettings}); for ServiceLoader. */
  public NvidiaSmiGpuProbe() {
    this(null, null);
  }

  /**
   * Uses the given executable and timeout; {@code null} means the configured one.
   *
   * @param executable path or name of {@code nvidia-smi}
   * @param timeout how long each call may take
   */
  public NvidiaSmiGpuProbe(@Nullable String executable, @Nullable Duration timeout) {
    this.executable = executable;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 30;
  }

  /**
   * Returns the GPUs in the output of {@code nvidia-smi} run with {@link #queryArguments()}
   * (another host's, say), read by the same parser as a local probe.
   *
   * @throws IllegalArgumentException quoting a line that does not have the expected fields
   */
  public static List<io.nemospawn.topology.Gpu> parseGpus(String queryOutput) {
    return NvidiaSmiParser.parseQuery(queryOutput).stream()
        .map(NvidiaSmiParser.Row::gpu)
        .toList();
  }

  /** Returns the arguments after {@code nvidia-smi} of the query {@link #parseGpus} reads. */
  public static List<String> queryArguments() {
    return List.of(
        "--query-gpu=" + String.join(",", NvidiaSmiParser.QUERY_FIELDS),
        "--format=csv,noheader,nounits");
  }

  private String executable() {
    return executable != null ? executable : GpuSettings.nvidiaSmi();
  }

  private Duration timeout() {
    return timeout != null ? timeout : GpuSettings.timeout();
  }

  private List<NvidiaSmiParser.Row> query() {
    String out = ToolRunner.run(
        List.of(
            executable(),
            "--query-gpu=" + String.join(",", NvidiaSmiParser.QUERY_FIELDS),
            "--format=csv,noheader,nounits"),
        timeout(),
        SETTING);
    return NvidiaSmiParser.parseQuery(out);
  }

  @Override
  public GpuTopology discover() {
    List<NvidiaSmiParser.Row> rows = query();
    NvidiaSmiParser.TopoMatrix matrix = null;
    String topoFailure = null;
    if (rows.size() > 1) {
      try {
        matrix = NvidiaSmiParser.parseTopo(
            ToolRunner.run(List.of(executable(), "topo", "-m"), timeout(), SETTING));
      } catch (RuntimeException e) {
        topoFailure = "nvidia-smi topo -m failed (" + e.getMessage()
            + "); links between GPUs are unknown and taken as SYS";
        log.debug("{}", topoFailure);
      }
    } else if (rows.size() == 1) {
      // One GPU has no links; topo -m still gives its CPU affinity, but failing is harmless.
      try {
        matrix = NvidiaSmiParser.parseTopo(
            ToolRunner.run(List.of(executable(), "topo", "-m"), timeout(), SETTING));
      } catch (RuntimeException e) {
        log.debug("nvidia-smi topo -m failed on a single GPU: {}", e.getMessage());
      }
    }
    GpuTopology topo = NvidiaSmiParser.topology(rows, matrix, NAME);
    return topoFailure == null ? topo : topo.withWarning(topoFailure);
  }

  @Override
  public List<GpuMetrics> sample() {
    return query().stream().map(NvidiaSmiParser.Row::metrics).toList();
  }

  @Override
  public String toString() {
    return "NvidiaSmiGpuProbe[" + Objects.toString(executable, "configured") + "]";
  }
}
