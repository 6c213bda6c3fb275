/**
 * Service provider interfaces and shared format helpers, for authors of NemoSpawn modules:
 * runtimes, transports, GPU probes.
 */
@NullMarked
package io.nemospawn.spi;

import org.jspecify.annotations.NullMarked;
