package io.nemospawn.gpu.internal;

import io.nemospawn.spi.GpuProbe;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuTopology;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads metrics through DCGM: {@code dcgmi dmon -e 203,204,1002,150,155,310,311 -c 1}. The first
 * choice for health because only DCGM gives SM activity (field 1002), the honest measure of how
 * busy a GPU is. Never discovers topology. Thread-safe: stateless apart from its settings.
 */
public final class DcgmGpuProbe implements GpuProbe {
  /** The name shown as the snapshot's source. */
  public static final String NAME = "dcgm";

  private final @Nullable String executable;
  private final @Nullable Duration timeout;

  /** Uses the configured executable and timeout ({@link GpuSettings}); for ServiceLoader. */
  public DcgmGpuProbe() {
    this(null, null);
  }

  /** Uses the given {@code dcgmi} and timeout; {@code null} means the configured one. */
  public DcgmGpuProbe(@Nullable String executable, @Nullable Duration timeout) {
    this.executable = executable;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 10;
  }

  /** Always throws: DCGM is used for metrics only. */
  @Override
  public GpuTopology discover() {
    throw new UnsupportedOperationException("dcgm does not discover topology");
  }

  @Override
  public List<GpuMetrics> sample() {
    String exe = executable != null ? executable : GpuSettings.dcgmi();
    Duration t = timeout != null ? timeout : GpuSettings.timeout();
    return DcgmiParser.parse(ToolRunner.run(
        List.of(exe, "dmon", "-e", DcgmiParser.FIELDS, "-c", "1"),
        t,
        "nemospawn.gpu.dcgmi (NEMOSPAWN_DCGMI)"));
  }

  @Override
  public String toString() {
    return "DcgmGpuProbe[" + (executable == null ? "configured" : executable) + "]";
  }
}
