package io.nemospawn.core.internal;

import io.nemospawn.StateException;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The intent log of a team's multi-record task operations, in {@code <team>/.journal/} (a hidden
 * directory NemoSpawn 1.0 never reads). An operation that writes several records (a completion
 * that unblocks dependents, a failure that fails them) first writes an entry here with the write
 * protocol, then writes the records, then deletes the entry. A lock does not survive kill -9, so
 * an entry still present when the graph lock is next taken belongs to an operation that died
 * part-way, and the lock's new holder finishes it (roll forward; see {@link FileTasks}). A batch
 * of creations ({@code "op": "task.create_batch"}, the ids and their {@code created_at}) is undone
 * instead: its task files are removed (roll back). A committed batch ({@code "op":
 * "task.create_committed"}, every record, durability FSYNC) is durable through its entry: it is
 * rolled forward (missing or torn task files written again), and once its files are written the
 * entry is renamed {@code <name>_<boot id>.unforced} until {@link BatchBarriers} has forced them.
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
   * Suffix of a committed batch of creations whose task files are written but not yet forced
   * ({@link BatchBarriers}): {@code <stamp>_<8 hex>_<boot id>.unforced}. Such an entry is pending
   * (to be rolled forward) only when its boot id is not the current one.
   */
  static final String UNFORCED = ".unforced";

  /**
   * What one listing of the directory found: the entries to roll forward, in the order they were
   * written (by name: a timestamp first), and the entries of this boot that await their barrier.
   */
  record Scan(List<Path> pending, List<Path> unforced) {
    /** Whether an entry must be rolled forward. */
    boolean hasPending() {
      return !pending.isEmpty();
    }
  }

  /**
   * Lists the directory once, no file read: every {@code .json} entry and every unforced one of
   * another boot is pending. Safe without the lock, as a hint that the lock should be taken to
   * roll forward.
   */
  Scan scan() {
    List<Path> pending = new ArrayList<>();
    List<Path> unforced = new ArrayList<>();
    Optional<String> boot = BatchBarriers.bootId();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (n.startsWith(".")) {
          continue;
        }
        if (n.endsWith(".json")) {
          pending.add(p);
        } else if (n.endsWith(UNFORCED)) {
          (boot.isPresent() && boot.get().equals(bootOf(n)) ? unforced : pending).add(p);
        }
      }
    } catch (NoSuchFileException e) {
      return new Scan(List.of(), List.of());
    } catch (IOException e) {
      throw new StateException(dir, "Cannot list " + dir + ": " + e, e);
    }
    pending.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return new Scan(pending, unforced);
  }

  /** The boot id in an unforced entry's name: what follows its last '_'. */
  private static String bootOf(String name) {
    String base = name.substring(0, name.length() - UNFORCED.length());
    return base.substring(base.lastIndexOf('_') + 1);
  }

  /** Returns the entries to roll forward ({@link #scan}). */
  List<Path> entries() {
    return scan().pending();
  }

  /**
   * Removes the unforced entries of a team's journal: for a snapshot restore that replaces the
   * task files they describe (rolled forward after a restart, one would bring its tasks back).
   */
  static void removeUnforced(Path teamDir) {
    Path dir = teamDir.resolve(DIR);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + UNFORCED)) {
      for (Path p : s) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // no journal
    } catch (IOException e) {
      throw new StateException(
          dir, "Cannot remove the unforced batch entries of " + dir + ": " + e, e);
    }
  }

  /**
   * Renames a committed batch's entry to the unforced form of boot {@code boot}, not forced: if a
   * power loss undoes the rename, the entry is rolled forward as an interrupted batch, which writes
   * only what is missing.
   */
  Path markUnforced(Path entry, String boot) {
    String n = entry.getFileName().toString();
    Path to = dir.resolve(n.substring(0, n.length() - ".json".length()) + "_" + boot + UNFORCED);
    return move(entry, to);
  }

  /** Renames an unforced entry back to an ordinary pending one, for the next lock holder. */
  void reopen(Path unforced) {
    String n = unforced.getFileName().toString();
    String base = n.substring(0, n.length() - UNFORCED.length());
    move(unforced, dir.resolve(base.substring(0, base.lastIndexOf('_')) + ".json"));
  }

  private static Path move(Path from, Path to) {
    try {
      return Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StateException(
          from, "Cannot rename journal entry " + from + " to " + to + ": " + e, e);
    }
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
