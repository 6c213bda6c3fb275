/**
 * Service provider interfaces and shared format helpers, for authors of NemoSpawn modules:
 * runtimes, transports, GPU probes.
 */
package io.nemospawn.spi;
