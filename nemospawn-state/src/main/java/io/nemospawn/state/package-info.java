/**
 * The state-file mechanics every NemoSpawn module shares, for authors of NemoSpawn modules: the
 * atomic write protocol ({@link io.nemospawn.state.AtomicFiles}), the message record codec ({@link
 * io.nemospawn.state.MessageJson}) and the directory watcher ({@link
 * io.nemospawn.state.DirectoryWatcher}). The layout and fields are those of FORMAT.md.
 */
@NullMarked
package io.nemospawn.state;

import org.jspecify.annotations.NullMarked;
