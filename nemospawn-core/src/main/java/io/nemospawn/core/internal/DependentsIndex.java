package io.nemospawn.core.internal;

import io.nemospawn.StateException;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.spi.AtomicFiles;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 * .index/graph.json                    {"version": 1, "task_files": N, "tasks_dir_mtime_ns": T}
 * .index/dependents/&lt;task_id&gt;.json   {"task_id": ..., "dependents": [ids]}
 * </pre>
 *
 * <p>The index is derived data: it is validated against the {@code tasks} directory before use and
 * rebuilt from the task files when they disagree. The check is cheap: when the directory's
 * modification time equals the one recorded after our last write, nothing changed behind our
 * back; otherwise the {@code *.json} names are counted (no file is read), and a count that differs
 * from the recorded one (a task file written by another tool, such as NemoSpawn 1.0) triggers a
 * rebuild.
 *
 * <p>Not thread-safe by itself: every method must be called under the team's graph lock.
 */
final class DependentsIndex {
  private static final Logger log = LoggerFactory.getLogger(DependentsIndex.class);
  private static final int VERSION = 1;

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

  /** Returns the ids of the tasks that depend on {@code taskId}. */
  List<String> dependents(String taskId) {
    Path f = file(taskId);
    try {
      return store.readIfExists(f, o -> Json.strings(o, "dependents")).orElseGet(List::of);
    } catch (StateException e) {
      // The index is derived from the task files: a malformed entry is rebuilt, not fatal.
      log.warn("Rebuilding the task index: {}", e.getMessage());
      rebuild();
      return store.readIfExists(f, o -> Json.strings(o, "dependents")).orElseGet(List::of);
    }
  }

  /** Records the edges of a newly created task. */
  void addTask(String taskId, Collection<String> blockedBy) {
    for (String dep : new LinkedHashSet<>(blockedBy)) {
      Set<String> ds = new LinkedHashSet<>(dependents(dep));
      if (ds.add(taskId)) {
        writeDependents(dep, ds);
      }
    }
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
        deleteTree(old);
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
        deleteTree(p);
      }
    } catch (IOException e) {
      log.debug("Cannot clean {}: {}", indexDir, e.toString());
    }
    // A file written while we rebuilt changes the mtime, so the next validation looks again.
    writeMeta(count, mtimeBefore);
  }

  private void writeDependents(String taskId, Set<String> dependents) {
    store.write(file(taskId), node(taskId, dependents));
  }

  private static ObjectNode node(String taskId, Collection<String> dependents) {
    ObjectNode n = Json.object();
    n.put("task_id", taskId);
    Json.putList(n, "dependents", new ArrayList<>(dependents));
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
      Files.createDirectories(indexDir);
      try (FileChannel ch =
          FileChannel.open(metaFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
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

  private Path file(String taskId) {
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

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
