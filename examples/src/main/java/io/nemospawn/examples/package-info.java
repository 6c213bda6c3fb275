/** Runnable examples of NemoSpawn through its public API. */
package io.nemospawn.examples;
