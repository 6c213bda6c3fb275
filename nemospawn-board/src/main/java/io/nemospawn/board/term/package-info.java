/**
 * Watching a team from a terminal: {@link io.nemospawn.board.term.TerminalBoard} (the frame of
 * {@code board live}) and {@link io.nemospawn.board.term.TmuxBoard} (the tiled window of {@code
 * board attach}).
 */
@NullMarked
package io.nemospawn.board.term;

import org.jspecify.annotations.NullMarked;
