/**
 * SSH clusters: registered hosts ({@link io.nemospawn.cluster.ssh.Clusters}), commands and files
 * over SSH behind our own interface ({@link io.nemospawn.cluster.ssh.RemoteShell}), artifact
 * transfer with checksums that resumes ({@link io.nemospawn.cluster.ssh.ArtifactTransfer}) and the
 * {@code ssh} agent runtime ({@link io.nemospawn.cluster.ssh.SshRuntime}). sshj stays in {@code
 * internal}. See docs/clusters.md.
 */
@NullMarked
package io.nemospawn.cluster.ssh;

import org.jspecify.annotations.NullMarked;
