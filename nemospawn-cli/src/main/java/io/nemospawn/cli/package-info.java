/** The {@code nemospawn} command line: picocli commands, one class per command group. */
package io.nemospawn.cli;
