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
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The decoded {@code *.json} records of one directory (hidden and temp files skipped), kept
 * between scrapes so that a record file is parsed once and again only when its size, modification
 * time or inode changes (every state write is an atomic rename, which changes the inode). A
 * directory whose modification time has not changed since the last read, and did not change
 * within {@link #RACY} before it, is not even listed again.
 *
 * <p>Thread-safe.
 *
 * @param <T> what a record decodes to; a file that cannot be read or decoded is kept as empty
 */
final class RecordCache<T> {
  /**
   * How close to the last read a directory change must be for the directory to be listed again
   * even if its modification time looks unchanged: coarse file-system clocks can stamp two changes
   * with one time.
   */
  static final Duration RACY = Duration.ofSeconds(2);

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private record Entry<T>(
      long size, FileTime modified, @Nullable Object fileKey, Optional<T> value) {}

  private final Function<JsonNode, Optional<T>> decode;
  private @Nullable FileTime dirModified;
  private Instant readAt = Instant.EPOCH;
  private Map<String, Entry<T>> files = new HashMap<>();
  private long parses;

  /** Creates the cache; {@code decode} returns empty for a record it cannot use. */
  RecordCache(Function<JsonNode, Optional<T>> decode) {
    this.decode = decode;
  }

  /** Returns how many files were parsed so far. */
  synchronized long parses() {
    return parses;
  }

  /** Returns every record of {@code dir} now: empty for an unreadable one. */
  synchronized Collection<Optional<T>> read(Path dir) throws IOException {
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(dir);
    } catch (NoSuchFileException e) {
      files = new HashMap<>();
      dirModified = null;
      return java.util.List.of();
    }
    Instant now = Instant.now();
    boolean racy =
        dirModified == null || Duration.between(modified.toInstant(), readAt).compareTo(RACY) < 0;
    if (!modified.equals(dirModified) || racy) {
      Map<String, Entry<T>> next = new HashMap<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
        for (Path f : s) {
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
          Entry<T> old = files.get(name);
          if (old != null
              && old.size() == a.size()
              && old.modified().equals(a.lastModifiedTime())
              && Objects.equals(old.fileKey(), a.fileKey())) {
            next.put(name, old);
          } else {
            next.put(name, new Entry<>(a.size(), a.lastModifiedTime(), a.fileKey(), parse(f)));
          }
        }
      } catch (NoSuchFileException gone) {
        next.clear();
      }
      files = next;
      dirModified = modified;
      readAt = now;
    }
    return files.values().stream().map(Entry::value).toList();
  }

  private Optional<T> parse(Path f) {
    parses++;
    try {
      return decode.apply(MAPPER.readTree(Files.readAllBytes(f)));
    } catch (IOException | RuntimeException e) {
      // Unreadable: counted as a problem by the caller, as the listings of the API report it.
      return Optional.empty();
    }
  }
}
