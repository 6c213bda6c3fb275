package io.nemospawn.core.internal;

import io.nemospawn.AuditLog;
import io.nemospawn.StateException;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AuditChain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code audit.jsonl}: one compact JSON object per line ({@code timestamp, event, user, team_id,
 * agent_id, details}) plus the hash chain's {@code seq} and {@code prev} ({@link AuditChain}).
 * Appends hold the data directory's audit lock, so lines from many processes never interleave and
 * each chains to the one before it, also on NFS where {@code O_APPEND} is not atomic. A file that
 * has grown past the rotation size is renamed first ({@link AuditChain#rotatedName}); the chain
 * continues in the new file. Thread-safe.
 */
public final class AuditJournal implements AuditLog {
  private static final Logger log = LoggerFactory.getLogger(AuditJournal.class);
  /** One line per entry: the shared mapper without indentation (no second mapper to build). */
  private static final ObjectWriter COMPACT =
      Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

  private final Layout layout;
  private final InstantSource clock;
  private final String user;
  private final Durability durability;
  private final long maxBytes;

  /** The end of the chain as this process last wrote it; reused while the file is unchanged. */
  private @Nullable Cached cached;

  private record Cached(Object fileKey, long size, AuditChain.Tail tail) {}

  public AuditJournal(Layout layout, InstantSource clock, String user, Durability durability) {
    this(layout, clock, user, durability, Long.MAX_VALUE);
  }

  /** Creates the journal rotating the file once it holds {@code maxBytes} or more. */
  public AuditJournal(
      Layout layout, InstantSource clock, String user, Durability durability, long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("The audit rotation size must be > 0, was " + maxBytes);
    }
    this.layout = layout;
    this.clock = clock;
    this.user = user;
    this.durability = durability;
    this.maxBytes = maxBytes;
  }

  /** Appends one entry. */
  @Override
  public void append(String event, String teamId, String agentId, Map<String, Object> details) {
    appendAll(event, teamId, List.of(new Line(agentId, details)));
  }

  /** The current audit file, which appends extend. */
  public Path file() {
    return layout.auditFile();
  }

  /** One line of {@link #appendAll}: the agent and the details. */
  public record Line(String agentId, Map<String, Object> details) {}

  /**
   * Appends one entry per line, all of one event and team, under one lock, with one write and (in
   * durability FSYNC) one force: what a batch of task creations records. The lines chain to each
   * other as separate appends would; no other writer's line comes between them.
   */
  public void appendAll(String event, String teamId, List<Line> lines) {
    appendAll(event, teamId, lines, durability == Durability.FSYNC);
  }

  /**
   * Same as {@link #appendAll(String, String, List)}, forced only if {@code force}: for a batch
   * that forces {@link #file()} later itself. A rotation forces the file it rotates (durability
   * FSYNC), so forcing the current file then covers lines appended before it.
   */
  public void appendAll(String event, String teamId, List<Line> lines, boolean force) {
    if (lines.isEmpty()) {
      return;
    }
    String stamp = StateFormat.formatTimestamp(clock.instant());
    List<ObjectNode> nodes = new ArrayList<>(lines.size());
    for (Line l : lines) {
      ObjectNode n = Json.object();
      n.put("timestamp", stamp);
      n.put("event", event);
      n.put("user", user);
      n.put("team_id", teamId == null ? "" : teamId);
      n.put("agent_id", l.agentId() == null ? "" : l.agentId());
      n.set("details", Json.toNode(l.details()));
      nodes.add(n);
    }
    Path file = layout.auditFile();
    synchronized (this) {
      try (StateLock lock = StateLock.acquire(layout.dataLock("audit"))) {
        FileChannel ch = FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
          long size = ch.size();
          if (size >= maxBytes) {
            AuditChain.Tail t = tailOf(ch, file, fileKey(file), size);
            if (durability == Durability.FSYNC) {
              ch.force(false); // it may hold a batch's lines appended unforced
            }
            ch.close();
            Files.move(file, layout.dataDir().resolve(AuditChain.rotatedName(t.seq())));
            cached = null;
            ch = FileChannel.open(
                file,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            size = 0;
            cached = new Cached(fileKey(file), 0, t);
          }
          // The file stays the same under the lock: its key is read once per append.
          Object key = fileKey(file);
          AuditChain.Tail prev = tailOf(ch, file, key, size);
          java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 * nodes.size());
          for (ObjectNode n : nodes) {
            n.put("seq", prev.seq() + 1);
            n.put("prev", prev.hash());
            byte[] text = COMPACT.writeValueAsBytes(n);
            out.write(text);
            out.write('\n');
            prev = new AuditChain.Tail(AuditChain.hash(text, 0, text.length), prev.seq() + 1);
          }
          ByteBuffer buf = ByteBuffer.wrap(out.toByteArray());
          // Positional writes at the end: the lock keeps every other writer out meanwhile.
          long at = size;
          while (buf.hasRemaining()) {
            at += ch.write(buf, at);
          }
          if (force) {
            ch.force(false);
          }
          cached = new Cached(key, at, prev);
        } finally {
          ch.close();
        }
      } catch (IOException e) {
        cached = null;
        throw new StateException(file, "Cannot append to " + file + ": " + e, e);
      }
    }
  }

  /** The end of the chain before an append: from the cache while the file is as this process left it. */
  private AuditChain.Tail tailOf(FileChannel ch, Path file, Object key, long size)
      throws IOException {
    Cached c = cached;
    if (c != null && c.size() == size && c.fileKey().equals(key)) {
      return c.tail();
    }
    if (size > 0) {
      AuditChain.Tail t = AuditChain.tail(ch, file);
      if (t != null) {
        return t;
      }
    }
    return AuditChain.tail(layout.dataDir());
  }

  private static Object fileKey(Path file) throws IOException {
    Object k = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    return k == null ? file : k;
  }

  @Override
  public List<Entry> tail(int limit, String teamId) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, was " + limit);
    }
    Path file = layout.auditFile();
    Deque<Entry> last = new ArrayDeque<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new StateException(file, "Cannot read " + file + ": " + e, e);
    }
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      try {
        ObjectNode n = Json.parseObject(line.getBytes(StandardCharsets.UTF_8));
        Entry e = new Entry(
            Json.instant(n, "timestamp", java.time.Instant.EPOCH),
            Json.text(n, "event", ""),
            Json.text(n, "user", ""),
            Json.text(n, "team_id", ""),
            Json.text(n, "agent_id", ""),
            Json.toMap(n.get("details")));
        if (teamId == null || teamId.equals(e.teamId())) {
          last.addLast(e);
          if (last.size() > limit) {
            last.removeFirst();
          }
        }
      } catch (RuntimeException ex) {
        log.warn("Skipping line {} of {}: {}", lineNo, file, ex.getMessage());
      }
    }
    return new ArrayList<>(last);
  }
}
