/**
 * SLURM: {@link io.nemospawn.cluster.slurm.SlurmScript sbatch scripts} with GPU GRES, modules and
 * safe quoting; {@link io.nemospawn.cluster.slurm.Slurm submit, status and cancel} through the
 * client tools; the {@code slurm} {@link io.nemospawn.spi.AgentRuntime} that runs an agent as a job
 * ({@link io.nemospawn.cluster.slurm.SlurmRuntime}); and {@link
 * io.nemospawn.cluster.slurm.SlurmStudyArrays HPO trials as a job array}.
 */
@NullMarked
package io.nemospawn.cluster.slurm;

import org.jspecify.annotations.NullMarked;
