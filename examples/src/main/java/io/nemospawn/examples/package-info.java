/** Runnable examples of NemoSpawn through its public API. */
@NullMarked
package io.nemospawn.examples;

import org.jspecify.annotations.NullMarked;
