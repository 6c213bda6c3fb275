/** Internals of the SLURM support: processes run as argv lists, and shell quoting. */
@NullMarked
package io.nemospawn.cluster.slurm.internal;

import org.jspecify.annotations.NullMarked;
