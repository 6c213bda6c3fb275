/**
 * Agent runtimes: tmux (default), a plain child process, and a bubblewrap sandbox, behind {@link
 * io.nemospawn.spi.AgentRuntime}; plus POSIX quoting and process-tree handling they share.
 */
@NullMarked
package io.nemospawn.core.internal.runtime;

import org.jspecify.annotations.NullMarked;
