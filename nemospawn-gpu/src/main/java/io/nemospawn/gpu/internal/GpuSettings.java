package io.nemospawn.gpu.internal;

import io.nemospawn.spi.Environment;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * Where the probes find their tools: a system property, else an environment variable, else the
 * default. Stateless; thread-safe.
 *
 * <ul>
 *   <li>{@code nemospawn.gpu.nvidia-smi} / {@code NEMOSPAWN_NVIDIA_SMI}: the {@code nvidia-smi}
 *       executable (default {@code nvidia-smi} on the PATH)
 *   <li>{@code nemospawn.gpu.dcgmi} / {@code NEMOSPAWN_DCGMI}: the {@code dcgmi} executable
 *       (default {@code dcgmi})
 *   <li>{@code nemospawn.gpu.nvml-library} / {@code NEMOSPAWN_NVML_LIBRARY}: the NVML library, a
 *       path or a name for the dynamic linker (default {@code libnvidia-ml.so.1})
 *   <li>{@code nemospawn.gpu.timeout} / {@code NEMOSPAWN_GPU_TIMEOUT}: how long a tool may take,
 *       ISO-8601 such as {@code PT10S} (default 10 s)
 * </ul>
 */
public final class GpuSettings {
  /** The default time a tool may take before it is killed. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private GpuSettings() {}

  static String get(String property, String env, String fallback) {
    String v = find(property, env);
    return v == null ? fallback : v;
  }

  /** Returns the trimmed setting, or null when neither the property nor the variable is set. */
  static @Nullable String find(String property, String env) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = Environment.get(env);
    }
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** Returns the configured {@code nvidia-smi}. */
  public static String nvidiaSmi() {
    return get("nemospawn.gpu.nvidia-smi", "NEMOSPAWN_NVIDIA_SMI", "nvidia-smi");
  }

  /** Returns the configured {@code dcgmi}. */
  public static String dcgmi() {
    return get("nemospawn.gpu.dcgmi", "NEMOSPAWN_DCGMI", "dcgmi");
  }

  /** Returns the configured NVML library. */
  public static String nvmlLibrary() {
    return get("nemospawn.gpu.nvml-library", "NEMOSPAWN_NVML_LIBRARY", "libnvidia-ml.so.1");
  }

  /**
   * Returns the configured tool timeout.
   *
   * @throws IllegalArgumentException naming the setting when it is not a positive duration
   */
  public static Duration timeout() {
    String text = find("nemospawn.gpu.timeout", "NEMOSPAWN_GPU_TIMEOUT");
    if (text == null) {
      return DEFAULT_TIMEOUT;
    }
    try {
      Duration d = Duration.parse(text);
      if (!d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (DateTimeParseException e) {
      // reported below
    }
    throw new IllegalArgumentException("Invalid GPU tool timeout '" + text
        + "' (nemospawn.gpu.timeout / NEMOSPAWN_GPU_TIMEOUT); use an ISO-8601 duration such as"
        + " PT10S");
  }
}
