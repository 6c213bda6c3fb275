package io.nemospawn.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Readings of one GPU at one moment. A figure the source could not give (the tools print {@code
 * N/A}) is {@link Double#NaN}, or -1 for the ECC counts; {@link #isKnown(double)} tells.
 *
 * <pre>{@code
 * GpuMetrics m = GpuMetrics.unknown(3).withUtilisation(87, 34).withTemperature(61);
 * m.utilPercent();   // 87.0: SM activity when known, else GPU utilisation
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param index the GPU index
 * @param gpuUtilPercent percent of time a kernel ran (NVML utilisation, DCGM field 203)
 * @param memUtilPercent percent of time memory was read or written (DCGM field 204)
 * @param smActivePercent percent of SM cycles with a warp resident (DCGM field 1002); only DCGM
 *     gives it
 * @param temperatureC GPU temperature in °C
 * @param powerW power draw in W
 * @param powerLimitW enforced power limit in W
 * @param eccSbe volatile single-bit (corrected) ECC errors since the driver loaded
 * @param eccDbe volatile double-bit (uncorrected) ECC errors since the driver loaded
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record GpuMetrics(
    int index,
    double gpuUtilPercent,
    double memUtilPercent,
    double smActivePercent,
    double temperatureC,
    double powerW,
    double powerLimitW,
    long eccSbe,
    long eccDbe) {

  /** Validates the parts. */
  public GpuMetrics {
    if (index < 0) {
      throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
    }
    if (eccSbe < -1 || eccDbe < -1) {
      throw new IllegalArgumentException("GPU " + index
          + " ECC counts must be >= 0 or -1 (unknown), got sbe " + eccSbe + ", dbe " + eccDbe);
    }
  }

  /** Returns readings of a GPU with every figure unknown. */
  public static GpuMetrics unknown(int index) {
    return new GpuMetrics(
        index, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, -1, -1);
  }

  /** Returns whether a figure is known (not {@link Double#NaN}). */
  public static boolean isKnown(double value) {
    return !Double.isNaN(value);
  }

  /** Returns a copy with GPU and memory utilisation in percent. */
  public GpuMetrics withUtilisation(double gpuUtil, double memUtil) {
    return new GpuMetrics(
        index,
        gpuUtil,
        memUtil,
        smActivePercent,
        temperatureC,
        powerW,
        powerLimitW,
        eccSbe,
        eccDbe);
  }

  /** Returns a copy with SM activity in percent. */
  public GpuMetrics withSmActive(double smActive) {
    return new GpuMetrics(
        index,
        gpuUtilPercent,
        memUtilPercent,
        smActive,
        temperatureC,
        powerW,
        powerLimitW,
        eccSbe,
        eccDbe);
  }

  /** Returns a copy with the temperature in °C. */
  public GpuMetrics withTemperature(double celsius) {
    return new GpuMetrics(
        index,
        gpuUtilPercent,
        memUtilPercent,
        smActivePercent,
        celsius,
        powerW,
        powerLimitW,
        eccSbe,
        eccDbe);
  }

  /** Returns a copy with power draw and limit in W. */
  public GpuMetrics withPower(double drawW, double limitW) {
    return new GpuMetrics(
        index,
        gpuUtilPercent,
        memUtilPercent,
        smActivePercent,
        temperatureC,
        drawW,
        limitW,
        eccSbe,
        eccDbe);
  }

  /** Returns a copy with the volatile ECC counts (-1 when unknown). */
  public GpuMetrics withEcc(long sbe, long dbe) {
    return new GpuMetrics(
        index,
        gpuUtilPercent,
        memUtilPercent,
        smActivePercent,
        temperatureC,
        powerW,
        powerLimitW,
        sbe,
        dbe);
  }

  /**
   * Returns how busy the GPU is in percent: SM activity when known (it is the better measure: a
   * single tiny kernel keeps GPU utilisation at 100 %), else GPU utilisation; NaN when neither.
   */
  public double utilPercent() {
    return isKnown(smActivePercent) ? smActivePercent : gpuUtilPercent;
  }

  /**
   * Returns the entry of {@code gpu_metrics} in FORMAT.md's {@code metrics/dcgm_<stamp>.json}:
   * {@code gpu_id}, {@code sm_util} ({@link #utilPercent()}), {@code mem_util}, {@code temp},
   * {@code power}, {@code ecc_sbe}, {@code ecc_dbe}; unknown figures are {@code null}. Extra keys:
   * {@code gpu_util}, {@code sm_active}, {@code power_limit}.
   */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("gpu_id", index);
    m.put("sm_util", orNull(utilPercent()));
    m.put("mem_util", orNull(memUtilPercent));
    m.put("temp", orNull(temperatureC));
    m.put("power", orNull(powerW));
    m.put("ecc_sbe", eccSbe < 0 ? null : eccSbe);
    m.put("ecc_dbe", eccDbe < 0 ? null : eccDbe);
    m.put("gpu_util", orNull(gpuUtilPercent));
    m.put("sm_active", orNull(smActivePercent));
    m.put("power_limit", orNull(powerLimitW));
    return m;
  }

  private static @Nullable Double orNull(double v) {
    return isKnown(v) ? v : null;
  }
}
