/**
 * The built-in demo agent ({@code nemospawn launch run autoresearch --agent-cmd demo}): a real
 * worker that follows the coordination protocol and does small ML work on the CPU.
 *
 * @since 0.1
 */
@NullMarked
package io.nemospawn.demo;

import org.jspecify.annotations.NullMarked;
