/**
 * GPUs and how they are wired: {@link io.nemospawn.topology.GpuTopology} (link matrix, NVLink
 * islands, placement of agents), {@link io.nemospawn.topology.GpuMetrics} and {@link
 * io.nemospawn.topology.GpuSnapshot} (utilisation, temperature, power, ECC), health rules and
 * the reallocation analysis. Pure values and algorithms without dependencies; the probes that read
 * real hardware (NVML, {@code nvidia-smi}, DCGM) come from the {@code nemospawn-gpu} module
 * through {@link io.nemospawn.spi.GpuProbe}.
 *
 * @since 0.1
 */
@NullMarked
package io.nemospawn.topology;

import org.jspecify.annotations.NullMarked;
