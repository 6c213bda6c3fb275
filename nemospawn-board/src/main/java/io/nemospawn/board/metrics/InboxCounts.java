package io.nemospawn.board.metrics;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * Counts a team's messages from its inbox directories ({@code inbox/<agent>/<stamp>_<msg_id>.json},
 * FORMAT.md) without parsing every message file on every scrape (see {@link RecordCache}): a
 * message file is parsed once for its sender and {@code read} flag, and again only when marking it
 * read rewrites it. Messages written by any process, NemoSpawn 1.0 included, are counted, since the
 * files are the source of truth; a counter inside one process would miss the others.
 *
 * <p>Thread-safe (one count at a time).
 */
final class InboxCounts {
  /** Per sender / recipient / unread counts, keyed by agent id or sender label. */
  record Counts(
      Map<String, Long> sentBy,
      Map<String, Long> receivedBy,
      Map<String, Long> unreadOf,
      int problems) {}

  private record Msg(String from, boolean read) {}

  private final Path inboxRoot;
  private final Map<String, RecordCache<Msg>> dirs = new HashMap<>();

  InboxCounts(Path teamDir) {
    this.inboxRoot = teamDir.resolve("inbox");
  }

  private static Optional<Msg> decode(JsonNode n) {
    JsonNode from = n.path("from_agent");
    if (!from.isString() || !n.path("msg_id").isString()) {
      return Optional.empty();
    }
    return Optional.of(new Msg(from.asString(), n.path("read").asBoolean(false)));
  }

  /** Returns how many message files were parsed so far (for tests of the cache). */
  synchronized long parses() {
    return dirs.values().stream().mapToLong(RecordCache::parses).sum();
  }

  /** Counts every inbox now. */
  synchronized Counts count() throws IOException {
    Map<String, Long> sent = new TreeMap<>();
    Map<String, Long> received = new TreeMap<>();
    Map<String, Long> unread = new TreeMap<>();
    int problems = 0;
    Map<String, RecordCache<Msg>> seen = new HashMap<>();
    if (Files.isDirectory(inboxRoot)) {
      try (DirectoryStream<Path> agents = Files.newDirectoryStream(inboxRoot)) {
        for (Path d : agents) {
          String agent = d.getFileName().toString();
          if (agent.startsWith(".") || !Files.isDirectory(d)) {
            continue;
          }
          RecordCache<Msg> cache = dirs.getOrDefault(agent, new RecordCache<>(InboxCounts::decode));
          seen.put(agent, cache);
          long r = 0;
          long u = 0;
          for (Optional<Msg> m : cache.read(d)) {
            if (m.isEmpty()) {
              problems++;
              continue;
            }
            r++;
            if (!m.get().read()) {
              u++;
            }
            sent.merge(m.get().from(), 1L, Long::sum);
          }
          received.put(agent, r);
          unread.put(agent, u);
        }
      }
    }
    // Parse counts of inboxes that are gone go with them; keep the total monotonic for tests.
    dirs.keySet().retainAll(seen.keySet());
    dirs.putAll(seen);
    return new Counts(sent, received, unread, problems);
  }
}
