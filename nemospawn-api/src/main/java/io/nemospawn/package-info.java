/**
 * Entry point and everyday types of NemoSpawn: {@link io.nemospawn.NemoSpawn}, teams, agents,
 * and the exceptions. {@code import io.nemospawn.*;} is enough for the quick start.
 */
@NullMarked
package io.nemospawn;

import org.jspecify.annotations.NullMarked;
