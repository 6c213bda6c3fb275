/**
 * What nemospawn-core offers its sibling modules (nemospawn-junit, nemospawn-cli, the benchmarks)
 * besides the runtime it provides through {@link java.util.ServiceLoader}: small file-system
 * utilities that the modules would otherwise each copy. Everything else of core is in {@code
 * io.nemospawn.core.internal}.
 */
@NullMarked
package io.nemospawn.core;

import org.jspecify.annotations.NullMarked;
