/** Experiment artifacts: checkpoints, adapters, datasets, ranked by validation loss. */
@NullMarked
package io.nemospawn.artifact;

import org.jspecify.annotations.NullMarked;
