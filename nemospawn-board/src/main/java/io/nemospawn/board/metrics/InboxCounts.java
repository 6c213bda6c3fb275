package io.nemospawn.board.metrics;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Counts a team's messages from its inbox directories ({@code inbox/<agent>/<stamp>_<msg_id>.json},
 * FORMAT.md) without parsing every message file on every scrape: a message file is parsed once
 * (for its sender and its {@code read} flag) and parsed again only when its size, modification time
 * or inode changes, which is what marking it read does (an atomic rewrite). A directory whose
 * modification time has not changed since the last count, and did not change within {@link
 * #RACY} of that count, is not even listed again. Messages written by any process, NemoSpawn 1.0
 * included, are counted, since the files are the source of truth; a counter inside one process
 * would miss the others.
 *
 * <p>Thread-safe (one count at a time).
 */
final class InboxCounts {
  /**
   * How close to the count a directory change must be for the directory to be listed again even
   * if its modification time looks unchanged: coarse file-system clocks can stamp two changes with
   * one time.
   */
  static final Duration RACY = Duration.ofSeconds(2);

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  /** Per sender / recipient / unread counts, keyed by agent id or sender label. */
  record Counts(
      Map<String, Long> sentBy,
      Map<String, Long> receivedBy,
      Map<String, Long> unreadOf,
      int problems) {}

  private record Entry(
      long size,
      FileTime modified,
      @Nullable Object fileKey,
      String from,
      boolean read,
      boolean ok) {}

  private static final class Dir {
    @Nullable
    FileTime modified;

    Instant countedAt = Instant.EPOCH;
    Map<String, Entry> files = new HashMap<>();
  }

  private final Path inboxRoot;
  private final Map<String, Dir> dirs = new HashMap<>();
  private long parses;

  InboxCounts(Path teamDir) {
    this.inboxRoot = teamDir.resolve("inbox");
  }

  /** Returns how many message files were parsed so far (for tests of the cache). */
  synchronized long parses() {
    return parses;
  }

  /** Counts every inbox now. */
  synchronized Counts count() throws IOException {
    Map<String, Long> sent = new TreeMap<>();
    Map<String, Long> received = new TreeMap<>();
    Map<String, Long> unread = new TreeMap<>();
    int problems = 0;
    Map<String, Dir> seen = new HashMap<>();
    if (Files.isDirectory(inboxRoot)) {
      try (DirectoryStream<Path> agents = Files.newDirectoryStream(inboxRoot)) {
        for (Path d : agents) {
          String agent = d.getFileName().toString();
          if (agent.startsWith(".") || !Files.isDirectory(d)) {
            continue;
          }
          Dir dir = dirs.getOrDefault(agent, new Dir());
          refresh(d, dir);
          seen.put(agent, dir);
          long r = 0;
          long u = 0;
          for (Entry e : dir.files.values()) {
            if (!e.ok()) {
              problems++;
              continue;
            }
            r++;
            if (!e.read()) {
              u++;
            }
            sent.merge(e.from(), 1L, Long::sum);
          }
          received.put(agent, r);
          unread.put(agent, u);
        }
      }
    }
    dirs.clear();
    dirs.putAll(seen);
    return new Counts(sent, received, unread, problems);
  }

  private void refresh(Path d, Dir dir) throws IOException {
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(d);
    } catch (NoSuchFileException e) {
      dir.files.clear();
      return;
    }
    Instant now = Instant.now();
    boolean racy = dir.modified == null
        || Duration.between(modified.toInstant(), dir.countedAt).compareTo(RACY) < 0;
    if (modified.equals(dir.modified) && !racy) {
      return;
    }
    Map<String, Entry> next = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(d, "*.json")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(f, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
          continue;
        }
        Entry old = dir.files.get(name);
        if (old != null
            && old.size() == a.size()
            && old.modified().equals(a.lastModifiedTime())
            && java.util.Objects.equals(old.fileKey(), a.fileKey())) {
          next.put(name, old);
        } else {
          next.put(name, parse(f, a));
        }
      }
    } catch (NoSuchFileException gone) {
      next.clear();
    }
    dir.files = next;
    dir.modified = modified;
    dir.countedAt = now;
  }

  private Entry parse(Path f, BasicFileAttributes a) {
    parses++;
    try {
      JsonNode n = MAPPER.readTree(Files.readAllBytes(f));
      JsonNode from = n.path("from_agent");
      if (!from.isString()) {
        return new Entry(a.size(), a.lastModifiedTime(), a.fileKey(), "", false, false);
      }
      return new Entry(
          a.size(),
          a.lastModifiedTime(),
          a.fileKey(),
          from.asString(),
          n.path("read").asBoolean(false),
          true);
    } catch (IOException | RuntimeException e) {
      // An unreadable message file is counted as a problem, as the inbox listing reports it.
      return new Entry(a.size(), a.lastModifiedTime(), a.fileKey(), "", false, false);
    }
  }
}
