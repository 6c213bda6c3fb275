package io.nemospawn.core.internal;

import io.nemospawn.StateException;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tasks of a team that may be claimable (pending or running), so that {@code claimNext} reads
 * those instead of every task file of the team. An append-only log in {@code
 * <team>/.index/open.log} (derived data, which NemoSpawn 1.0 never reads):
 *
 * <pre>
 * nemospawn-open-tasks 1 &lt;boot id&gt;
 * +&lt;created_at in µs, 20 digits&gt; &lt;task id&gt;     the task may be open
 * -&lt;task id&gt;                                   the task is not open
 * </pre>
 *
 * <p>It is a superset of the open tasks, never less: a task is logged open before its file says
 * so, and closed only after its file says so, so a process killed between the two leaves an extra
 * entry, which the reader skips after reading the task file (and a compaction drops). It is trusted
 * only while nothing else could have made it less: it is dropped when the task files changed behind
 * our back (another tool, such as NemoSpawn 1.0, wrote one: see {@link DependentsIndex}), and a log
 * of another boot is ignored, since its unforced tail may have been lost with the page cache while
 * forced task files survived. An untrusted log is rebuilt from a full scan by the next claim. Where
 * the boot id is unknown it is never trusted, and claims scan every task as before.
 *
 * <p>Not thread-safe by itself: every method must be called under the team's graph lock.
 */
final class OpenTasksLog {
  private static final String MAGIC = "nemospawn-open-tasks 1 ";

  /** Lines beyond twice the open tasks (plus this) make a reader rewrite the log. */
  private static final int SLACK = 1024;

  private final Path file;

  OpenTasksLog(Path teamDir) {
    this.file = teamDir.resolve(".index").resolve("open.log");
  }

  /** Whether a task in this state can be claimed now or later without a change of state. */
  static boolean isOpen(Task t) {
    return t.state() == TaskState.PENDING || t.state() == TaskState.RUNNING;
  }

  /** Logs that these tasks may be open; called before their files are written. */
  void opened(Collection<Task> tasks) {
    if (tasks.isEmpty() || !Files.exists(file)) {
      return; // untrusted until a claim rebuilds it: nothing to keep up to date
    }
    StringBuilder b = new StringBuilder(40 * tasks.size());
    for (Task t : tasks) {
      b.append('+').append(key(t)).append('\n');
    }
    append(b.toString());
  }

  /** Logs that a task is not open; called after its file is written. */
  void closed(String taskId) {
    if (Files.exists(file)) {
      append("-" + taskId + "\n");
    }
  }

  /**
   * The tasks that may be open, oldest first (by {@code created_at}, then id, as a scan of the
   * files orders them), or empty when the log cannot be trusted and must be {@link #rebuild rebuilt}.
   */
  Optional<Entries> read() {
    Optional<String> boot = BatchBarriers.bootId();
    if (boot.isEmpty()) {
      return Optional.empty();
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StateException(file, "Cannot read " + file + ": " + e, e);
    }
    if (!text.startsWith(MAGIC + boot.get() + "\n")) {
      return Optional.empty();
    }
    java.util.TreeSet<String> byKey = new java.util.TreeSet<>();
    Map<String, String> keyOf = new HashMap<>();
    int lines = 0;
    int at = text.indexOf('\n') + 1;
    while (at < text.length()) {
      int end = text.indexOf('\n', at);
      if (end < 0) {
        break; // a line cut short by a kill: its task file was not written yet
      }
      lines++;
      String line = text.substring(at, end);
      at = end + 1;
      if (line.startsWith("+") && line.length() > 22 && line.charAt(21) == ' ') {
        String id = line.substring(22);
        if (!StateFormat.isValidId(id)) {
          return Optional.empty(); // not ours: rebuild
        }
        String k = line.substring(1);
        String old = keyOf.put(id, k);
        if (old != null) {
          byKey.remove(old);
        }
        byKey.add(k);
      } else if (line.startsWith("-")) {
        String old = keyOf.remove(line.substring(1));
        if (old != null) {
          byKey.remove(old);
        }
      } else {
        return Optional.empty(); // not ours: rebuild
      }
    }
    return Optional.of(new Entries(new ArrayList<>(byKey), lines));
  }

  /**
   * What {@link #read} found: the keys of the tasks that may be open, oldest first, and how many
   * lines it took.
   */
  record Entries(List<String> keys, int lines) {
    /** The task id of a key. */
    static String id(String key) {
      return key.substring(21);
    }

    /** Whether the log has grown past its open tasks enough to be rewritten. */
    boolean wantsCompaction(int open) {
      return lines > 2 * open + SLACK;
    }
  }

  /** Rewrites the log to hold exactly {@code open} (a scan's open tasks), trusted from now on. */
  void rebuild(Collection<Task> open) {
    List<String> keys = new ArrayList<>(open.size());
    open.forEach(t -> keys.add(key(t)));
    keys.sort(null);
    rewrite(keys);
  }

  /** Rewrites the log to hold exactly these keys (of {@link Entries}), oldest first. */
  void rewrite(List<String> keys) {
    Optional<String> boot = BatchBarriers.bootId();
    if (boot.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder(MAGIC.length() + 34 + 40 * keys.size());
    b.append(MAGIC).append(boot.get()).append('\n');
    for (String k : keys) {
      b.append('+').append(k).append('\n');
    }
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new StateException(file, "Cannot create " + file.getParent() + ": " + e, e);
    }
    AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8), Durability.NONE);
  }

  /** Forgets the log: the next claim scans every task and writes it again. */
  void drop() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new StateException(file, "Cannot remove the stale " + file + ": " + e, e);
    }
  }

  /** The sort key of a task: its creation time in µs (as its file keeps it), then its id. */
  private static String key(Task t) {
    Instant c = t.createdAt().truncatedTo(ChronoUnit.MICROS);
    long micros = Math.max(
        0, Math.addExact(Math.multiplyExact(c.getEpochSecond(), 1_000_000L), c.getNano() / 1000));
    String digits = Long.toString(micros);
    StringBuilder b = new StringBuilder(21 + t.id().length());
    b.append("00000000000000000000", 0, 20 - digits.length()).append(digits).append(' ');
    return b.append(StateFormat.requireId("task id", t.id())).toString();
  }

  /** Appends to the log, which the caller found present (untrusted and not kept when absent). */
  private void append(String lines) {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    } catch (NoSuchFileException e) {
      // dropped meanwhile: rebuilt by the next claim
    } catch (IOException e) {
      // The log is derived: drop it rather than let it miss a task.
      drop();
    }
  }
}
