/**
 * Beyond one machine. {@code io.nemospawn.cluster.ssh}: registered SSH clusters, an agent runtime
 * that starts agents in tmux on a remote host (their CLI reaches the team through the control
 * plane, tunnelled over the same SSH connection) and checksummed, resumable artifact transfer.
 * {@code io.nemospawn.cluster.slurm}: sbatch scripts, job submit/status/cancel, an agent runtime
 * that runs an agent as a SLURM job, and HPO trials as a job array. Both runtimes are found
 * through {@link io.nemospawn.spi.AgentRuntime}'s service loader.
 */
@NullMarked
package io.nemospawn.cluster;

import org.jspecify.annotations.NullMarked;
