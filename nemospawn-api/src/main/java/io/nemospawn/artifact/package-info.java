/** Experiment artifacts: checkpoints, adapters, datasets, ranked by validation loss. */
package io.nemospawn.artifact;
