package io.nemospawn.core.internal;

import io.nemospawn.StateException;
import io.nemospawn.core.FileTrees;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.task.Task;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The reverse edges of a team's task graph, so that completing a task reads only its dependents
 * instead of every task of the team. Lives in {@code <team>/.index/} (the Python tool lists only
 * {@code tasks/*.json} and never sees it):
 *
 * <pre>
 * .index/graph.json                    {"version": 3, "task_files": N, "tasks_dir_mtime_ns": T}
 * .index/dependents/&lt;task_id&gt;.json   {"task_id": ..., "dependents": [ids], "crc32c": "8 hex"}
 * </pre>
 *
 * <p>The index is derived data: it is validated against the {@code tasks} directory before use and
 * rebuilt from the task files when they disagree. The check is cheap: when the directory's
 * modification time equals the one recorded after our last write, nothing changed behind our
 * back; otherwise the {@code *.json} names are counted (no file is read), and a count that differs
 * from the recorded one (a task file written by another tool, such as NemoSpawn 1.0) triggers a
 * rebuild. Each entry carries a checksum of its list and is verified when read: an entry that is
 * unreadable, of the wrong shape, holds an invalid id or fails its checksum (edited by hand, or
 * left stale) is reported with its path and the index is rebuilt, so a bad entry cannot hide a
 * dependent from a completion.
 *
 * <p>Not thread-safe by itself: every method must be called under the team's graph lock.
 */
final class DependentsIndex {
  private static final Logger log = LoggerFactory.getLogger(DependentsIndex.class);
  // 2: entries carry a checksum; an index of version 1 is rebuilt once. 3: the open-tasks log
  // (OpenTasksLog) lives beside it; a version that does not keep the log writes 2, so that every
  // write of an older NemoSpawn for Java on the same team makes the next operation rebuild the
  // index and drop the log (changedBehind), which it may have left missing an open task.
  private static final int VERSION = 3;
  private static final String CRC = "crc32c";

  private final Path tasksDir;
  private final Path indexDir;
  private final Path metaFile;
  // graph.json's fixed size: its three numbers fit many times over.
  private static final int META_SIZE = 160;
  private final Path dependentsDir;
  private final RecordStore store;
  private final RecordStore bulk = new RecordStore(Durability.NONE);
  private long knownFiles = -1;
  private long knownMtime = Long.MIN_VALUE;
  private boolean changedBehind = true;

  DependentsIndex(Path teamDir, RecordStore store) {
    this.tasksDir = teamDir.resolve(FileTasks.SUB);
    this.indexDir = teamDir.resolve(".index");
    this.metaFile = indexDir.resolve("graph.json");
    this.dependentsDir = indexDir.resolve("dependents");
    this.store = store;
  }

  /**
   * Makes sure the index describes the task files on disk, rebuilding it when it does not.
   *
   * @return true when it had to be rebuilt
   */
  boolean validate() {
    changedBehind = true;
    Optional<ObjectNode> meta;
    try {
      meta = store.readIfExists(metaFile);
    } catch (StateException e) {
      log.warn("Rebuilding the task index: {}", e.getMessage());
      meta = Optional.empty();
    }
    if (meta.isEmpty() || meta.get().path("version").asInt(0) != VERSION) {
      rebuild();
      return true;
    }
    knownFiles = meta.get().path("task_files").asLong(-1);
    knownMtime = meta.get().path("tasks_dir_mtime_ns").asLong(Long.MIN_VALUE);
    long mtime = tasksDirMtime();
    if (mtime == knownMtime) {
      changedBehind = false;
      return false;
    }
    long count = countTaskFiles();
    if (count == knownFiles) {
      writeMeta(count, mtime);
      return false;
    }
    log.info(
        "Task files in {} changed behind the index ({} known, {} found); rebuilding it",
        tasksDir,
        knownFiles,
        count);
    rebuild();
    return true;
  }

  /**
   * Whether the last {@link #validate} found the task files possibly changed by someone else since
   * our last recorded write (a missing or old index counts), even when it did not need a rebuild.
   */
  boolean changedBehind() {
    return changedBehind;
  }

  /** Returns the index directory. */
  Path dir() {
    return indexDir;
  }

  /**
   * Returns, without writing anything, whether {@link #validate} would rebuild the index: it is
   * missing, of another version, or the task files changed in number behind it.
   */
  boolean isStale() {
    Optional<ObjectNode> meta;
    try {
      meta = store.readIfExists(metaFile);
    } catch (StateException e) {
      return true;
    }
    if (meta.isEmpty() || meta.get().path("version").asInt(0) != VERSION) {
      return true;
    }
    if (tasksDirMtime() == meta.get().path("tasks_dir_mtime_ns").asLong(Long.MIN_VALUE)) {
      return false;
    }
    return countTaskFiles() != meta.get().path("task_files").asLong(-1);
  }

  /** Returns whether any task depends on {@code taskId} (see {@link #dependents}). */
  boolean hasDependents(String taskId) {
    return !dependents(taskId).isEmpty();
  }

  /**
   * Returns the ids of the tasks that depend on {@code taskId}. An entry that is unreadable or
   * fails verification (wrong shape, an invalid id, another task's entry, a checksum that does not
   * match its list, as when it was edited by hand) is reported with its path and the whole index
   * is rebuilt from the task files before answering, so a bad entry never hides a dependent.
   */
  List<String> dependents(String taskId) {
    Path f = file(taskId);
    try {
      return readVerified(f, taskId).orElseGet(List::of);
    } catch (InvalidEntryException e) {
      log.warn(
          "Task index file {} is invalid: {}; rebuilding the index from the task files",
          f,
          e.getMessage());
      rebuild();
      try {
        return readVerified(f, taskId).orElseGet(List::of);
      } catch (InvalidEntryException again) {
        throw new StateException(
            f,
            "Task index file " + f + " is still invalid after a rebuild: " + again.getMessage()
                + "; delete " + indexDir + " and retry",
            again);
      }
    }
  }

  /**
   * Compares every index entry with the reverse edges of the task files, without changing
   * anything.
   *
   * @param reverse for each task id, the ids of the tasks whose {@code blocked_by} names it
   * @return one line per disagreeing, missing, extra or invalid entry, by file
   */
  Map<Path, String> verify(Map<String, Set<String>> reverse) {
    Map<Path, String> problems = new TreeMap<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Path f : RecordStore.jsonFiles(dependentsDir)) {
      String name = f.getFileName().toString();
      String id = name.substring(0, name.length() - ".json".length());
      if (!StateFormat.isValidId(id)) {
        problems.put(f, "the file name is not a task id");
        continue;
      }
      seen.add(id);
      List<String> listed;
      try {
        listed = readVerified(f, id).orElseGet(List::of);
      } catch (InvalidEntryException e) {
        problems.put(f, e.getMessage());
        continue;
      }
      Set<String> expected = reverse.getOrDefault(id, Set.of());
      if (!new java.util.HashSet<>(listed).equals(expected)) {
        List<String> missing =
            expected.stream().filter(d -> !listed.contains(d)).sorted().toList();
        List<String> extra = listed.stream()
            .filter(d -> !expected.contains(d))
            .distinct()
            .sorted()
            .toList();
        problems.put(
            f,
            "it disagrees with the tasks' blocked_by"
                + (missing.isEmpty() ? "" : "; missing dependents " + missing)
                + (extra.isEmpty() ? "" : "; dependents that do not name " + id + " " + extra));
      }
    }
    for (Map.Entry<String, Set<String>> e : reverse.entrySet()) {
      if (!seen.contains(e.getKey()) && StateFormat.isValidId(e.getKey())) {
        problems.put(
            dependentsDir.resolve(e.getKey() + ".json"),
            "the entry is missing; tasks " + new TreeSet<>(e.getValue()) + " depend on "
                + e.getKey());
      }
    }
    return problems;
  }

  /** Reads and verifies an entry; empty when the file does not exist. */
  private Optional<List<String>> readVerified(Path f, String taskId) {
    Optional<ObjectNode> n;
    try {
      n = store.readIfExists(f);
    } catch (StateException e) {
      throw new InvalidEntryException(RecordStore.reasonOf(e));
    }
    if (n.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode o = n.get();
    String id = o.path("task_id").isString() ? o.path("task_id").asString() : null;
    if (!taskId.equals(id)) {
      throw new InvalidEntryException("its task_id is " + o.path("task_id") + ", not " + taskId);
    }
    var list = o.get("dependents");
    if (list == null || !list.isArray()) {
      throw new InvalidEntryException("field 'dependents' must be a list of task ids, found "
          + StateFormat.printable(String.valueOf(list)));
    }
    List<String> out = new ArrayList<>(list.size());
    for (var e : list) {
      if (!e.isString() || !StateFormat.isValidId(e.asString())) {
        throw new InvalidEntryException("field 'dependents' holds "
            + StateFormat.printable(e.toString()) + ", which is not a task id");
      }
      out.add(e.asString());
    }
    String crc = o.path(CRC).isString() ? o.path(CRC).asString() : "";
    if (!crc.equals(crc(taskId, out))) {
      throw new InvalidEntryException(
          crc.isEmpty()
              ? "it has no " + CRC + " checksum (written by hand or by an older version)"
              : "its " + CRC + " checksum does not match its dependents (edited by hand?)");
    }
    return Optional.of(out);
  }

  /** The checksum of an entry: CRC-32C of the task id and each dependent, one per line. */
  static String crc(String taskId, Collection<String> dependents) {
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    c.update((taskId + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    for (String d : dependents) {
      c.update((d + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return String.format("%08x", c.getValue());
  }

  /** An index entry that is unreadable or fails verification; the message is the reason. */
  private static final class InvalidEntryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidEntryException(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Records the edges of a newly created task. */
  void addTask(String taskId, Collection<String> blockedBy) {
    Map<String, List<String>> edges = new java.util.LinkedHashMap<>();
    for (String dep : blockedBy) {
      edges.put(dep, List.of(taskId));
    }
    addEdges(edges, false);
  }

  /**
   * Records the edges of new tasks: for each dependency, the new tasks that depend on it. Each
   * entry is read and written once, however many new tasks name it.
   *
   * @param unforced write the entries without forcing them, whatever the durability: for a batch
   *     that forces them later ({@link #file} names them)
   */
  void addEdges(
      Map<String, ? extends Collection<String>> dependentsByDependency, boolean unforced) {
    RecordStore to = unforced ? bulk : store;
    dependentsByDependency.forEach((dep, added) -> {
      Set<String> ds = new LinkedHashSet<>(dependents(dep));
      if (ds.addAll(added)) {
        to.write(file(dep), node(dep, ds));
      }
    });
  }

  /**
   * Records that we wrote task files ourselves: {@code created} new ones, plus rewrites, which
   * change the directory's modification time too.
   */
  void recordWrites(int created) {
    if (knownFiles < 0) {
      knownFiles = countTaskFiles();
    } else {
      knownFiles += created;
    }
    writeMeta(knownFiles, tasksDirMtime());
  }

  /** Rebuilds the index from every task file. */
  void rebuild() {
    Map<String, Set<String>> reverse = new TreeMap<>();
    long count = 0;
    long mtimeBefore = tasksDirMtime();
    for (Path f : RecordStore.jsonFiles(tasksDir)) {
      count++;
      try {
        Optional<ObjectNode> node = store.readIfExists(f);
        if (node.isEmpty()) {
          continue;
        }
        Task t = TaskCodec.decode(node.get());
        for (String dep : t.blockedBy()) {
          reverse.computeIfAbsent(dep, k -> new LinkedHashSet<>()).add(t.id());
        }
      } catch (RuntimeException e) {
        log.warn("Task file {} cannot be indexed: {}", f, e.getMessage());
      }
    }
    Path fresh = indexDir.resolve("dependents.new-" + StateFormat.randomHex8());
    try {
      Files.createDirectories(fresh);
      for (Map.Entry<String, Set<String>> e : reverse.entrySet()) {
        // Derived data: written without forcing each file; the directory is forced once below,
        // and a record that a power loss tore is detected on read and triggers another rebuild.
        bulk.write(fresh.resolve(e.getKey() + ".json"), node(e.getKey(), e.getValue()));
      }
      if (store.durability() == Durability.FSYNC) {
        AtomicFiles.forceDirectory(fresh);
      }
      Path old = null;
      if (Files.exists(dependentsDir)) {
        old = indexDir.resolve("dependents.old-" + StateFormat.randomHex8());
        Files.move(dependentsDir, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(fresh, dependentsDir, StandardCopyOption.ATOMIC_MOVE);
      if (old != null) {
        FileTrees.deleteOrThrow(old);
      }
    } catch (IOException e) {
      throw new StateException(
          indexDir,
          "Cannot rebuild the task index in " + indexDir + ": " + e + "; delete " + indexDir
              + " and retry",
          e);
    }
    // Removes leftovers of interrupted rebuilds.
    try (DirectoryStream<Path> s = Files.newDirectoryStream(indexDir, "dependents.*-*")) {
      for (Path p : s) {
        FileTrees.deleteOrThrow(p);
      }
    } catch (IOException e) {
      log.debug("Cannot clean {}: {}", indexDir, e.toString());
    }
    // A file written while we rebuilt changes the mtime, so the next validation looks again.
    writeMeta(count, mtimeBefore);
  }

  private static ObjectNode node(String taskId, Collection<String> dependents) {
    ObjectNode n = Json.object();
    n.put("task_id", taskId);
    Json.putList(n, "dependents", new ArrayList<>(dependents));
    n.put(CRC, crc(taskId, dependents));
    return n;
  }

  private void writeMeta(long count, long mtime) {
    knownFiles = count;
    knownMtime = mtime;
    ObjectNode n = Json.object();
    n.put("version", VERSION);
    n.put("task_files", count);
    n.put("tasks_dir_mtime_ns", mtime);
    // Overwritten in place: not forced, not renamed and not truncated, because ext4 flushes a
    // file's data when a rename replaces it or when it is truncated and rewritten
    // (auto_da_alloc), which made this write cost ~1.5 ms of every task create. The record is
    // padded with spaces to a fixed size, so a shorter one never leaves a tail. A torn, lost or
    // stale meta file only sends the next validation down the slow path (count, or rebuild),
    // and only the graph lock's holder reads or writes it.
    byte[] body = Json.bytes(n);
    byte[] padded = new byte[Math.max(META_SIZE, body.length)];
    java.util.Arrays.fill(padded, (byte) ' ');
    System.arraycopy(body, 0, padded, 0, body.length);
    padded[padded.length - 1] = '\n';
    try {
      try (FileChannel ch = AtomicFiles.openForWrite(metaFile)) {
        ByteBuffer buf = ByteBuffer.wrap(padded);
        while (buf.hasRemaining()) {
          ch.write(buf, buf.position());
        }
        if (ch.size() > padded.length) {
          ch.truncate(padded.length);
        }
      }
    } catch (IOException e) {
      throw new StateException(metaFile, "Cannot write " + metaFile + ": " + e, e);
    }
  }

  /** The index entry of a task's dependents. */
  Path file(String taskId) {
    return dependentsDir.resolve(StateFormat.requireId("task id", taskId) + ".json");
  }

  private long tasksDirMtime() {
    try {
      return Files.getLastModifiedTime(tasksDir).to(TimeUnit.NANOSECONDS);
    } catch (NoSuchFileException e) {
      return -1;
    } catch (IOException e) {
      throw new StateException(tasksDir, "Cannot read " + tasksDir + ": " + e, e);
    }
  }

  private long countTaskFiles() {
    long n = 0;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(tasksDir, "*.json")) {
      for (Path p : s) {
        if (!p.getFileName().toString().startsWith(".")) {
          n++;
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new StateException(tasksDir, "Cannot list " + tasksDir + ": " + e, e);
    }
    return n;
  }
}
