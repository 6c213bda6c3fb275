package io.nemospawn.transport.internal.file;

import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read cursor of one inbox, {@code inbox/<agent>/.read-cursor}: a file of ours beside the
 * message files (NemoSpawn 1.0 reads only {@code *.json} and ignores it) that lets receiving skip
 * the inbox's history. It says: every message file whose name sorts at or before {@code last} was
 * read when the cursor was written, and there were {@code count} such names whose {@link
 * String#hashCode} values sum to {@code hash}.
 *
 * <p>Receiving lists the names (no file is opened) and compares the names at or before {@code last}
 * with the count and sum. When they match, only the names after it can hold unread messages, so
 * receiving reads and parses files in proportion to the unread messages, not to the inbox's
 * history. When they do not (a message written late with an older timestamp, a file deleted or
 * restored behind the cursor, a foreign tool's edit) or the cursor is missing or malformed, every
 * name is a candidate, as without a cursor: the fallback scan, after which the cursor is rewritten.
 * The cursor is written only under the inbox lock, after a receive of everything.
 *
 * @param last the last name of the read prefix, or "" for none
 * @param count how many message names sort at or before {@code last}
 * @param hash the sum of their hash codes
 */
record ReadCursor(String last, long count, long hash) {
  private static final Logger log = LoggerFactory.getLogger(ReadCursor.class);

  /** The cursor file's name: not a message (it starts with a dot and does not end in .json). */
  static final String FILE = ".read-cursor";

  private static final String MAGIC = "nemospawn-read-cursor 1";
  static final ReadCursor NONE = new ReadCursor("", 0, 0);

  /** Reads the cursor of an inbox; {@link #NONE} when it is missing or not understood. */
  static ReadCursor read(Path inboxDir) {
    Path file = inboxDir.resolve(FILE);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return NONE;
    } catch (IOException | RuntimeException e) {
      log.debug("Ignoring unreadable read cursor {}: {}", file, e.toString());
      return NONE;
    }
    String[] lines = text.split("\n", -1);
    if (lines.length < 3 || !lines[0].equals(MAGIC)) {
      return NONE;
    }
    String[] numbers = lines[1].split(" ");
    String last = lines[2];
    if (numbers.length != 2 || !InboxFiles.isMessageName(last) || last.contains("/")) {
      return NONE;
    }
    try {
      return new ReadCursor(last, Long.parseLong(numbers[0]), Long.parseLong(numbers[1]));
    } catch (NumberFormatException e) {
      return NONE;
    }
  }

  /** Replaces the cursor file (not forced: a lost cursor only costs one fallback scan). */
  void write(Path inboxDir) {
    String text = MAGIC + "\n" + count + " " + hash + "\n" + last + "\n";
    AtomicFiles.write(
        inboxDir.resolve(FILE), text.getBytes(StandardCharsets.UTF_8), Durability.NONE);
  }

  /**
   * Splits a listing: the sorted message names after the cursor when the names at or before it
   * match its count and sum, else every message name sorted, with {@link #NONE} as the cursor.
   */
  Candidates candidates(String[] listing) {
    List<String> after = new ArrayList<>();
    long below = 0;
    long sum = 0;
    boolean hasLast = !last.isEmpty();
    for (String n : listing) {
      if (!InboxFiles.isMessageName(n)) {
        continue;
      }
      if (hasLast && n.compareTo(last) <= 0) {
        below++;
        sum += n.hashCode();
      } else {
        after.add(n);
      }
    }
    if (hasLast && (below != count || sum != hash)) {
      List<String> all = new ArrayList<>(after.size() + (int) below);
      for (String n : listing) {
        if (InboxFiles.isMessageName(n)) {
          all.add(n);
        }
      }
      String[] sorted = all.toArray(String[]::new);
      Arrays.sort(sorted);
      return new Candidates(NONE, Arrays.asList(sorted), true);
    }
    String[] sorted = after.toArray(String[]::new);
    Arrays.sort(sorted);
    return new Candidates(this, Arrays.asList(sorted), false);
  }

  /**
   * The names a receive looks at, sorted, and the cursor they follow.
   *
   * @param fallback whether the cursor did not match and every name is a candidate
   */
  record Candidates(ReadCursor cursor, List<String> names, boolean fallback) {
    static final Candidates NONE = new Candidates(ReadCursor.NONE, List.of(), false);

    /** Returns the cursor moved over the leading names that {@code isRead} accepts. */
    ReadCursor advance(Predicate<String> isRead) {
      String last = cursor.last();
      long count = cursor.count();
      long hash = cursor.hash();
      for (String n : names) {
        if (!isRead.test(n)) {
          break;
        }
        last = n;
        count++;
        hash += n.hashCode();
      }
      return new ReadCursor(last, count, hash);
    }
  }
}
