package io.nemospawn.core.internal;

import io.nemospawn.AuditLog;
import io.nemospawn.StateException;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code audit.jsonl}: one compact JSON object per line ({@code timestamp, event, user, team_id,
 * agent_id, details}). Appends hold the data directory's audit lock, so lines from many processes
 * never interleave, also on NFS where {@code O_APPEND} is not atomic. Thread-safe.
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

  public AuditJournal(Layout layout, InstantSource clock, String user, Durability durability) {
    this.layout = layout;
    this.clock = clock;
    this.user = user;
    this.durability = durability;
  }

  /** Appends one entry. */
  public void append(String event, String teamId, String agentId, Map<String, Object> details) {
    ObjectNode n = Json.object();
    n.put("timestamp", StateFormat.formatTimestamp(clock.instant()));
    n.put("event", event);
    n.put("user", user);
    n.put("team_id", teamId == null ? "" : teamId);
    n.put("agent_id", agentId == null ? "" : agentId);
    n.set("details", Json.toNode(details));
    byte[] line = (COMPACT.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
    Path file = layout.auditFile();
    try (StateLock lock = StateLock.acquire(layout.dataLock("audit"));
        FileChannel ch = FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (durability == Durability.FSYNC) {
        ch.force(false);
      }
    } catch (IOException e) {
      throw new StateException(file, "Cannot append to " + file + ": " + e, e);
    }
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
