package io.nemospawn.topology;

import io.nemospawn.spi.GpuProbe;
import io.nemospawn.spi.StateFormat;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * Metrics of every GPU at one moment, with the probe that read them: what {@code gpu health}
 * and {@code gpu status} show and what {@code metrics/dcgm_<stamp>.json} stores.
 *
 * <pre>{@code
 * GpuSnapshot s = GpuSnapshot.take(InstantSource.system());  // DCGM, then NVML, then nvidia-smi
 * List<HealthProblem> problems = HealthRule.evaluate(HealthRule.defaults(), s.metrics());
 * AtomicFiles.write(teamDir.resolve("metrics").resolve(s.fileName()), json(s.toFormatMap()), FSYNC);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param timestamp when the metrics were read
 * @param source the probe that answered: {@code dcgm}, {@code nvml}, {@code nvidia-smi}, {@code
 *     none}
 * @param metrics one entry per GPU, ascending index
 * @param warnings what went wrong on the way (probes that failed before one answered)
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record GpuSnapshot(
    Instant timestamp, String source, List<GpuMetrics> metrics, List<String> warnings) {

  /** Validates and copies the parts. */
  public GpuSnapshot {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(source, "source");
    metrics = List.copyOf(metrics);
    warnings = List.copyOf(warnings);
  }

  /**
   * Reads metrics from the first {@link GpuProbe} on the class path that answers, in priority
   * order (DCGM, NVML, {@code nvidia-smi}); source {@code none} and a warning when none does.
   */
  public static GpuSnapshot take(InstantSource clock) {
    return take(clock, Probes.load());
  }

  /** Same as {@link #take(InstantSource)} over the given probes. */
  public static GpuSnapshot take(InstantSource clock, Collection<? extends GpuProbe> probes) {
    Objects.requireNonNull(clock, "clock");
    Sample s = Probes.sample(probes);
    return new GpuSnapshot(clock.instant(), s.source(), s.metrics(), s.warnings());
  }

  /** Returns a copy holding only the given GPUs (a team's). */
  public GpuSnapshot only(Set<Integer> gpus) {
    List<GpuMetrics> kept = new ArrayList<>();
    for (GpuMetrics m : metrics) {
      if (gpus.contains(m.index())) {
        kept.add(m);
      }
    }
    return new GpuSnapshot(timestamp, source, kept, warnings);
  }

  /**
   * Returns the file name under a team's {@code metrics/} directory: {@code dcgm_} and the
   * timestamp with every {@code :} replaced by {@code -} (as inbox file names), {@code .json}.
   */
  public String fileName() {
    return "dcgm_" + StateFormat.formatTimestamp(timestamp).replace(':', '-') + ".json";
  }

  /**
   * Returns FORMAT.md's {@code metrics/dcgm_<stamp>.json}: {@code timestamp} and {@code
   * gpu_metrics} (see {@link GpuMetrics#toFormatMap()}); extra key {@code source}.
   */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("timestamp", StateFormat.formatTimestamp(timestamp));
    m.put("gpu_metrics", metrics.stream().map(GpuMetrics::toFormatMap).toList());
    m.put("source", source);
    return m;
  }

  /** What a probe answered, before it is stamped. */
  record Sample(String source, List<GpuMetrics> metrics, List<String> warnings) {}
}
