package io.nemospawn.spi;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The parts of the on-disk format (compatible with NemoSpawn 1.0) that every module writing the
 * state directory shares: timestamps, ids, names and message file names.
 *
 * <p>Ids and names are checked here before they touch a path: only ASCII letters, digits, {@code
 * .}, {@code _} and {@code -}, starting with a letter or digit, at most {@value #MAX_ID_LENGTH}
 * characters, never {@code ..}. Free text (titles, bodies, descriptions) is never checked: it is
 * stored verbatim and never becomes part of a path.
 *
 * <p>Thread-safe: stateless.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class StateFormat {
  /** The longest id or name accepted. */
  public static final int MAX_ID_LENGTH = 128;

  /**
   * The longest name that starts an id (a team's or an agent's): the id adds a dash and 8 hex
   * digits and must stay within {@value #MAX_ID_LENGTH} characters.
   */
  public static final int MAX_NAME_LENGTH = MAX_ID_LENGTH - 9;

  /** Formats as Python's {@code datetime.isoformat()} of an aware UTC datetime. */
  private static final DateTimeFormatter WRITE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

  /** Reads ISO-8601 with or without fraction and offset ({@code Z} too); no offset means UTC. */
  private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE)
      .appendLiteral('T')
      .appendValue(ChronoField.HOUR_OF_DAY, 2)
      .appendLiteral(':')
      .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
      .optionalStart()
      .appendLiteral(':')
      .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
      .optionalStart()
      .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
      .optionalEnd()
      .optionalEnd()
      .optionalStart()
      .appendOffset("+HH:MM", "Z")
      .optionalEnd()
      .toFormatter();

  private StateFormat() {}

  /**
   * Returns the timestamp as UTC ISO-8601 with microseconds and a {@code +00:00} offset, for
   * example {@code 2026-11-21T19:01:51.212059+00:00}. Never {@code Z}: NemoSpawn 1.0 rejects it.
   */
  public static String formatTimestamp(Instant instant) {
    return WRITE.format(instant.truncatedTo(ChronoUnit.MICROS));
  }

  /**
   * Parses a timestamp written by us or by NemoSpawn 1.0 (with or without offset or fraction).
   *
   * @throws IllegalArgumentException naming the text when it is not a timestamp
   */
  public static Instant parseTimestamp(String text) {
    Objects.requireNonNull(text, "text");
    try {
      var parsed = READ.parseBest(text.trim(), OffsetDateTime::from, LocalDateTime::from);
      if (parsed instanceof OffsetDateTime odt) {
        return odt.toInstant();
      }
      return ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "Not a timestamp: '" + text
              + "'; expected ISO-8601 such as 2026-11-21T19:01:51.212059+00:00",
          e);
    }
  }

  /**
   * Returns the inbox file name of a message: the timestamp with every {@code :} replaced by
   * {@code -}, then {@code _<msg_id>.json}, so that names sort in time order.
   */
  public static String messageFileName(Instant timestamp, String msgId) {
    requireMessageId(msgId);
    return formatTimestamp(timestamp).replace(':', '-') + "_" + msgId + ".json";
  }

  /** Returns 8 random lower-case hex digits. */
  public static String randomHex8() {
    byte[] bytes = new byte[4];
    Random.SOURCE.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Returns a new message id: 8 hex digits. */
  public static String newMessageId() {
    return randomHex8();
  }

  /**
   * Returns a new id made of a prefix, a dash and 8 hex digits: {@code task-1a2b3c4d} for the
   * prefix {@code task}, {@code sweep-1a2b3c4d} for a team named {@code sweep}.
   */
  public static String newId(String prefix) {
    requireIdPrefix("id prefix", prefix);
    return prefix + "-" + randomHex8();
  }

  /**
   * Checks an id or name that will become part of a path.
   *
   * @param what what the value is, for the message ("team name", "agent id")
   * @return the value
   * @throws IllegalArgumentException saying what is wrong and what is allowed
   */
  public static String requireId(String what, String value) {
    return check(what, value, MAX_ID_LENGTH);
  }

  /**
   * Checks a name that becomes the start of an id ({@link #newId}), such as a team's or an
   * agent's: as {@link #requireId}, at most {@value #MAX_NAME_LENGTH} characters.
   *
   * @throws IllegalArgumentException saying what is wrong and what is allowed
   */
  public static String requireIdPrefix(String what, String value) {
    return check(what, value, MAX_NAME_LENGTH);
  }

  private static String check(String what, String value, int max) {
    Objects.requireNonNull(value, what);
    String problem = problemWithId(value, max);
    if (problem != null) {
      throw new IllegalArgumentException(
          "Invalid " + what + " '" + printable(value) + "': " + problem + "; use 1-" + max
              + " ASCII letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return value;
  }

  /** Same as {@link #requireId}; names become part of ids, so they obey the same rule. */
  public static String requireName(String what, String value) {
    return requireId(what, value);
  }

  /** Returns whether the value is acceptable as an id or name. */
  public static boolean isValidId(String value) {
    return value != null && problemWithId(value, MAX_ID_LENGTH) == null;
  }

  /** Checks a message id: 8 lower-case hex digits. */
  public static String requireMessageId(String value) {
    Objects.requireNonNull(value, "message id");
    if (!isHex8(value)) {
      throw new IllegalArgumentException(
          "Invalid message id '" + printable(value) + "': expected 8 lower-case hex digits");
    }
    return value;
  }

  private static @Nullable String problemWithId(String value, int max) {
    if (value.isEmpty()) {
      return "it is empty";
    }
    if (value.length() > max) {
      return "it is " + value.length() + " characters long";
    }
    if (value.contains("..")) {
      return "it contains '..'";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!isAsciiLetterOrDigit(c) && c != '.' && c != '_' && c != '-') {
        return "character " + describe(c) + " at position " + i + " is not allowed";
      }
    }
    if (!isAsciiLetterOrDigit(value.charAt(0))) {
      return "it must start with a letter or digit";
    }
    return null;
  }

  // Plain loops rather than regular expressions: ids are checked on every message and record.
  private static boolean isAsciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static boolean isHex8(String value) {
    if (value.length() != 8) {
      return false;
    }
    for (int i = 0; i < 8; i++) {
      char c = value.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static String describe(char c) {
    if (c == '/' || c == '\\') {
      return "'" + c + "' (a path separator)";
    }
    if (!isDisplaySafe(c, false) || Character.isWhitespace(c)) {
      return String.format("U+%04X (a control, format or space character)", (int) c);
    }
    return "'" + c + "'";
  }

  /**
   * Returns the value made safe for a terminal (see {@link #displayable(CharSequence, boolean)},
   * line breaks escaped too) and cut to 80 characters, for quoting a value in a message.
   */
  public static String printable(String value) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < value.length() && out.length() < 80) {
      int cp = value.codePointAt(i);
      appendDisplayable(out, cp, false);
      i += Character.charCount(cp);
    }
    if (i < value.length()) {
      out.append("…");
    }
    return out.toString();
  }

  /**
   * Returns the text with every character that could act on a terminal or disguise text replaced
   * by a visible escape (a backslash, {@code u} and four hex digits such as <code>&#92;u001b</code>
   * or <code>&#92;u202e</code>; a backslash, {@code U} and eight for a supplementary character;
   * <code>&#92;n</code>, <code>&#92;r</code> and <code>&#92;t</code> for line feed, carriage return
   * and tab): the controls C0, DEL and C1, the
   * bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and every other
   * format character (zero-width characters, tags), the line and paragraph separators U+2028 and
   * U+2029, and unpaired surrogates. Everything else, letters of any script and emoji included,
   * is kept. Nothing is cut.
   *
   * @param keepLineBreaks whether line feeds and tabs stay as they are (multi-line text) or are
   *     escaped too (a value that must stay on one line, such as a table cell)
   */
  public static String displayable(CharSequence text, boolean keepLineBreaks) {
    Objects.requireNonNull(text, "text");
    int n = text.length();
    int i = 0;
    while (i < n) {
      int cp = Character.codePointAt(text, i);
      if (!isDisplaySafe(cp, keepLineBreaks)) {
        break;
      }
      i += Character.charCount(cp);
    }
    if (i == n) {
      return text.toString();
    }
    StringBuilder out = new StringBuilder(n + 16).append(text, 0, i);
    while (i < n) {
      int cp = Character.codePointAt(text, i);
      appendDisplayable(out, cp, keepLineBreaks);
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  /**
   * Returns whether the code point may be shown on a terminal as it is; see {@link
   * #displayable(CharSequence, boolean)} for those that may not.
   */
  public static boolean isDisplaySafe(int codePoint, boolean keepLineBreaks) {
    if (codePoint >= 0x20 && codePoint < 0x7f) {
      return true;
    }
    if (codePoint == '\n' || codePoint == '\t') {
      return keepLineBreaks;
    }
    switch (Character.getType(codePoint)) {
      case Character.CONTROL:
      case Character.FORMAT:
      case Character.LINE_SEPARATOR:
      case Character.PARAGRAPH_SEPARATOR:
      case Character.SURROGATE:
        return false;
      default:
        return true;
    }
  }

  private static void appendDisplayable(StringBuilder out, int cp, boolean keepLineBreaks) {
    if (isDisplaySafe(cp, keepLineBreaks)) {
      out.appendCodePoint(cp);
    } else if (cp == '\n') {
      out.append("\\n");
    } else if (cp == '\r') {
      out.append("\\r");
    } else if (cp == '\t') {
      out.append("\\t");
    } else if (cp <= 0xffff) {
      out.append(String.format("\\u%04x", cp));
    } else {
      out.append(String.format("\\U%08x", cp));
    }
  }

  /** Created on first use: seeding a SecureRandom costs a CLI call that makes no id ~20 ms. */
  private static final class Random {
    static final SecureRandom SOURCE = new SecureRandom();
  }
}
