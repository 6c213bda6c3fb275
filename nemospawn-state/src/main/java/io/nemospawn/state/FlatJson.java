package io.nemospawn.state;

import io.nemospawn.inbox.Message;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A fast reader for the common case of a message record: one flat JSON object whose keys are
 * exactly the known ones, with string and boolean values. Anything else (unknown keys, nested
 * values, numbers, malformed text) returns null, and {@link MessageJson#parse} falls back to
 * Jackson, which also produces the error messages. Saves the tree allocation on every envelope.
 */
final class FlatJson {
  private final String s;
  private int i;

  private FlatJson(String s) {
    this.s = s;
  }

  /** Returns the message, or null when the text is not the simple case. */
  static @Nullable Message parse(String text, String fallbackTo) {
    try {
      return new FlatJson(text).message(fallbackTo);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private @Nullable Message message(String fallbackTo) {
    @Nullable String id = null;
    @Nullable String team = null;
    @Nullable String from = null;
    @Nullable String to = null;
    @Nullable String body = null;
    @Nullable String stamp = null;
    boolean read = false;
    ws();
    if (next() != '{') {
      return null;
    }
    ws();
    if (peek() == '}') {
      return null;
    }
    while (true) {
      ws();
      if (next() != '"') {
        return null;
      }
      String key = string();
      ws();
      if (next() != ':') {
        return null;
      }
      ws();
      char c = peek();
      if (key.equals("read")) {
        if (s.startsWith("true", i)) {
          read = true;
          i += 4;
        } else if (s.startsWith("false", i)) {
          i += 5;
        } else if (s.startsWith("null", i)) {
          i += 4;
        } else {
          return null;
        }
      } else {
        if (c != '"') {
          return null;
        }
        i++;
        String v = string();
        switch (key) {
          case "msg_id" -> id = v;
          case "team_id" -> team = v;
          case "from_agent" -> from = v;
          case "to_agent" -> to = v;
          case "body" -> body = v;
          case "timestamp" -> stamp = v;
          default -> {
            return null;
          }
        }
      }
      ws();
      char sep = next();
      if (sep == '}') {
        break;
      }
      if (sep != ',') {
        return null;
      }
    }
    ws();
    if (i != s.length()
        || id == null
        || team == null
        || from == null
        || body == null
        || stamp == null) {
      return null;
    }
    Instant time = Stamps.parse(stamp);
    return new Message(id, team, from, to == null ? fallbackTo : to, body, time, read);
  }

  private String string() {
    int start = i;
    while (true) {
      char c = s.charAt(i);
      if (c == '"') {
        String v = s.substring(start, i);
        i++;
        return v;
      }
      if (c == '\\') {
        break;
      }
      if (c < 0x20) {
        throw new IllegalArgumentException("control character in string");
      }
      i++;
    }
    StringBuilder sb = new StringBuilder(s.length() - start);
    sb.append(s, start, i);
    while (true) {
      char c = s.charAt(i++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        throw new IllegalArgumentException("control character in string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = s.charAt(i++);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          int code = 0;
          for (int k = 0; k < 4; k++) {
            int d = Character.digit(s.charAt(i++), 16);
            if (d < 0) {
              throw new IllegalArgumentException("bad unicode escape");
            }
            code = code * 16 + d;
          }
          sb.append((char) code);
        }
        default -> throw new IllegalArgumentException("bad escape");
      }
    }
  }

  private void ws() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      i++;
    }
  }

  private char peek() {
    return s.charAt(i);
  }

  private char next() {
    return s.charAt(i++);
  }
}
