package io.nemospawn.core.internal;

import io.nemospawn.StateException;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * The intent log of a team's multi-record task operations, in {@code <team>/.journal/} (a hidden
 * directory NemoSpawn 1.0 never reads). An operation that writes several records (a completion
 * that unblocks dependents, a failure that fails them) first writes an entry here with the write
 * protocol, then writes the records, then deletes the entry. A lock does not survive kill -9, so
 * an entry still present when the graph lock is next taken belongs to an operation that died
 * part-way, and the lock's new holder finishes it (roll forward; see {@link FileTasks}). A batch
 * of creations ({@code "op": "task.create_batch"}, the ids and their {@code created_at}) is undone
 * instead: its task files are removed (roll back).
 *
 * <pre>
 * .journal/&lt;timestamp&gt;_&lt;8 hex&gt;.json   {"version": 1, "op": "task.update", "task_id": ...,
 *                                   "from": ..., "from_updated_at": ..., "status": ...,
 *                                   "record": {the task as the operation writes it}, ...}
 * </pre>
 *
 * <p>Not thread-safe by itself: every method but {@link #hasPending} must be called under the
 * team's graph lock.
 */
final class GraphJournal {
  /** The directory's name inside the team. */
  static final String DIR = ".journal";

  private final Path dir;
  private final RecordStore store;

  GraphJournal(Path teamDir, RecordStore store) {
    this.dir = teamDir.resolve(DIR);
    this.store = store;
  }

  Path dir() {
    return dir;
  }

  /**
   * Returns whether any entry is present: a directory listing, no file read. Safe without the
   * lock, as a hint that the lock should be taken to roll forward.
   */
  boolean hasPending() {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
      for (Path p : s) {
        if (!p.getFileName().toString().startsWith(".")) {
          return true;
        }
      }
      return false;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new StateException(dir, "Cannot list " + dir + ": " + e, e);
    }
  }

  /** Returns the entries in the order they were written (by name: a timestamp first). */
  List<Path> entries() {
    return RecordStore.jsonFiles(dir);
  }

  /**
   * Writes an entry durably (as durable as the store's setting) before the operation writes any
   * record.
   *
   * @return the entry's file, for {@link #end}
   */
  Path begin(ObjectNode entry, Instant now) {
    Path f = dir.resolve(StateFormat.formatTimestamp(now).replace(':', '-') + "_"
        + StateFormat.randomHex8() + ".json");
    store.write(f, entry);
    return f;
  }

  /**
   * Removes a finished operation's entry. Not forced: if a power loss brings it back, rolling it
   * forward again changes nothing, since every step is idempotent.
   */
  void end(Path entry) {
    try {
      Files.deleteIfExists(entry);
    } catch (IOException e) {
      throw new StateException(
          entry,
          "Cannot remove the finished journal entry " + entry + ": " + e
              + "; it will be rolled forward (a no-op) by the next operation",
          e);
    }
  }
}
