package io.nemospawn.core.internal;

import io.nemospawn.StateException;
import io.nemospawn.core.FileTrees;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The all-or-nothing swap of a snapshot restore, in {@code <team>/.restore/} (a hidden directory
 * NemoSpawn 1.0 never reads).
 *
 * <pre>
 * .restore/stage/&lt;sub&gt;/...   the record directories as the snapshot has them, written first
 * .restore/journal.json      {"version": 1, "op": "snapshot.restore", "snapshot_id": ...,
 *                             "subs": ["agents", "tasks", ...], "started_at": ...}
 * .restore/old/&lt;sub&gt;/       the directories the swap replaced, deleted at the end
 * </pre>
 *
 * <p>The journal is the commit point. A restore that dies before writing it leaves only a stage,
 * which the next opening of the team deletes: the team is as it was. A restore that dies after
 * writing it is finished by the next opening of the team ({@link #finishPending}): every step of the
 * swap is a rename that is either done or not, and each is repeated only when not done, so rolling
 * forward twice changes nothing. The swap holds the team's {@link #LOCKS}, in that order.
 */
public final class RestoreJournal {
  private static final Logger log = LoggerFactory.getLogger(RestoreJournal.class);

  /** The directory's name inside the team. */
  public static final String DIR = ".restore";

  /**
   * The team locks a restore holds, taken in this order: the one of the restore itself, then those
   * of the record directories it replaces.
   */
  public static final List<String> LOCKS =
      List.of("restore", FileTasks.LOCK, FileAgents.SUB, FilePlans.SUB, FileArtifacts.SUB);

  private static volatile Consumer<String> observer = step -> {};

  private final Path teamDir;
  private final Path dir;
  private final Durability durability;

  public RestoreJournal(Path teamDir, Durability durability) {
    this.teamDir = teamDir;
    this.dir = teamDir.resolve(DIR);
    this.durability = durability;
  }

  /** Lets a test see (and stop a process at) each step: "staged", "journal", "swap:SUB", "done". */
  public static void observeSteps(Consumer<String> o) {
    observer = o;
  }

  /** Reports a step to the observer. */
  public static void step(String name) {
    observer.accept(name);
  }

  /** Returns the directory of the staged record directories. */
  public Path stage() {
    return dir.resolve("stage");
  }

  /** Returns the journal entry's file. */
  public Path journalFile() {
    return dir.resolve("journal.json");
  }

  /** Takes the restore's locks in their order; close the result to release them all. */
  public static AutoCloseable lockAll(Path teamDir) {
    List<StateLock> held = new ArrayList<>();
    try {
      for (String name : LOCKS) {
        held.add(StateLock.acquire(teamDir.resolve(Layout.LOCKS).resolve(name + ".lock")));
      }
    } catch (RuntimeException e) {
      releaseAll(held);
      throw e;
    }
    return () -> releaseAll(held);
  }

  private static void releaseAll(List<StateLock> held) {
    for (int i = held.size() - 1; i >= 0; i--) {
      held.get(i).close();
    }
  }

  /** Returns whether anything of a restore is present (a directory check, no lock). */
  public static boolean hasPending(Path teamDir) {
    return Files.exists(teamDir.resolve(DIR), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Finishes what a killed restore left: rolls a committed one forward, removes the stage of one
   * that never committed. Called when a team is opened, before anything reads its records; cheap
   * when there is nothing to do.
   *
   * @return the id of the snapshot whose restore was finished, if one was
   */
  public static Optional<String> finishPending(Path teamDir, Durability durability) {
    if (!hasPending(teamDir)) {
      return Optional.empty();
    }
    try (AutoCloseable locks = lockAll(teamDir)) {
      return new RestoreJournal(teamDir, durability).finishLocked();
    } catch (StateException e) {
      throw e;
    } catch (Exception e) {
      throw new StateException(
          teamDir.resolve(DIR),
          "Cannot finish the interrupted snapshot restore in " + teamDir.resolve(DIR) + ": " + e,
          e);
    }
  }

  /** As {@link #finishPending}, for a caller that holds the locks. */
  public Optional<String> finishLocked() {
    Path journal = journalFile();
    if (!Files.exists(journal)) {
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        log.info("Removing the stage of a snapshot restore that never committed: {}", dir);
        removeOrThrow(dir);
      }
      return Optional.empty();
    }
    ObjectNode entry;
    try {
      entry = Json.parseObject(Files.readAllBytes(journal));
    } catch (IOException | IllegalArgumentException e) {
      throw new StateException(
          journal,
          "Cannot read the snapshot restore journal " + journal + ": " + e
              + "; the team's records may be half restored: compare " + stage() + " with "
              + teamDir,
          e);
    }
    String snapshot = Json.text(entry, "snapshot_id", "");
    List<String> subs = new ArrayList<>();
    entry.path("subs").forEach(s -> subs.add(s.asString()));
    log.info("Finishing the restore of snapshot {} in {}", snapshot, teamDir);
    swap(subs);
    return Optional.of(snapshot);
  }

  /** Commits: writes the journal entry. Before this the team is untouched. */
  public void commit(String snapshotId, List<String> subs, java.time.Instant now) {
    ObjectNode entry = Json.object();
    entry.put("version", 1);
    entry.put("op", "snapshot.restore");
    entry.put("snapshot_id", snapshotId);
    ArrayNode a = entry.putArray("subs");
    subs.forEach(a::add);
    Json.put(entry, "started_at", now);
    AtomicFiles.write(journalFile(), Json.bytes(entry), durability);
    step("journal");
  }

  /** Replaces each record directory by its staged copy, then removes the old ones and the journal. */
  public void swap(List<String> subs) {
    Path old = dir.resolve("old");
    try {
      Files.createDirectories(old);
      for (String sub : subs) {
        Path current = teamDir.resolve(sub);
        Path staged = stage().resolve(sub);
        Path replaced = old.resolve(sub);
        if (!Files.exists(staged, LinkOption.NOFOLLOW_LINKS)) {
          continue; // swapped before the crash
        }
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
          if (Files.exists(replaced, LinkOption.NOFOLLOW_LINKS)) {
            // The old one was moved aside; this one was made since (the skeleton of a team open).
            Files.move(current, old.resolve(sub + ".late"), StandardCopyOption.ATOMIC_MOVE);
          } else {
            Files.move(current, replaced, StandardCopyOption.ATOMIC_MOVE);
          }
        }
        step("aside:" + sub);
        Files.move(staged, current, StandardCopyOption.ATOMIC_MOVE);
        if (durability == Durability.FSYNC) {
          AtomicFiles.forceDirectory(teamDir);
        }
        step("swap:" + sub);
      }
    } catch (IOException e) {
      throw new StateException(
          teamDir,
          "Cannot swap the restored records into " + teamDir + ": " + e
              + "; the next opening of the team finishes the restore from " + journalFile(),
          e);
    }
    // The task index describes the replaced task files: rebuild it from the restored ones.
    removeOrThrow(teamDir.resolve(".index"));
    if (subs.contains(FileTasks.SUB)) {
      GraphJournal.removeUnforced(teamDir);
    }
    removeOrThrow(old);
    try {
      Files.deleteIfExists(journalFile());
    } catch (IOException e) {
      throw new StateException(journalFile(), "Cannot remove " + journalFile() + ": " + e, e);
    }
    removeOrThrow(dir);
    step("done");
  }

  /** Removes a stage that was never committed (a restore that failed before its commit). */
  public void abandon() {
    removeOrThrow(dir);
  }

  private static void removeOrThrow(Path p) {
    var problems = FileTrees.delete(p);
    if (!problems.isEmpty()) {
      throw new StateException(
          p,
          "Cannot remove " + p + ": " + problems.get(0).path() + ": "
              + problems.get(0).reason(),
          null);
    }
  }
}
