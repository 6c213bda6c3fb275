/**
 * NVML through JNA: {@link io.nemospawn.gpu.internal.nvml.NvmlGpuProbe} loads {@code
 * libnvidia-ml.so.1} on first use and reads GPUs, metrics and NVLink topology in-process.
 */
@NullMarked
package io.nemospawn.gpu.internal.nvml;

import org.jspecify.annotations.NullMarked;
