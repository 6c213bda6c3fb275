/**
 * The GPU probes: {@link io.nemospawn.gpu.internal.NvidiaSmiGpuProbe} and {@link
 * io.nemospawn.gpu.internal.DcgmGpuProbe} run the tools with a timeout and parse their text;
 * {@code .nvml} binds NVML through JNA. Not exported: use {@link
 * io.nemospawn.topology.GpuTopology#detect()}.
 */
@NullMarked
package io.nemospawn.gpu.internal;

import org.jspecify.annotations.NullMarked;
