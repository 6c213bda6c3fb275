/** The {@code nemospawn} command line: picocli commands, one class per command group. */
@NullMarked
package io.nemospawn.cli;

import org.jspecify.annotations.NullMarked;
