package io.nemospawn.state;

import io.nemospawn.inbox.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one codec of the message record of the on-disk format (FORMAT.md): the inbox files, the
 * envelopes of the fast transports and the team's message events all go through it.
 *
 * <p>Writes and reads the message record: {@code msg_id, team_id, from_agent,
 * to_agent, body, timestamp, read}. The file form is what Python's {@code json.dumps(indent=2)}
 * writes (2-space indent, {@code ": "}, trailing newline, non-ASCII kept as UTF-8); the wire form
 * used by ZeroMQ and shared memory is the same object on one line.
 *
 * <p>Thread-safe: stateless.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class MessageJson {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final Set<String> KNOWN =
      Set.of("msg_id", "team_id", "from_agent", "to_agent", "body", "timestamp", "read");

  private MessageJson() {}

  /** A message with the keys of its record that this version does not know, kept on rewrite. */
  public record Parsed(Message message, Map<String, JsonNode> extras) {}

  /** Returns the file form: indented, with a trailing newline. */
  public static byte[] toFile(Message m) {
    return toFile(m, Map.of());
  }

  /** Returns the file form with extra keys appended after the known ones. */
  public static byte[] toFile(Message m, Map<String, JsonNode> extras) {
    StringBuilder sb = new StringBuilder(160 + m.body().length());
    sb.append("{\n");
    field(sb, "msg_id", m.id(), true);
    field(sb, "team_id", m.teamId(), true);
    field(sb, "from_agent", m.from(), true);
    field(sb, "to_agent", m.to(), true);
    field(sb, "body", m.body(), true);
    field(sb, "timestamp", Stamps.format(m.timestamp()), true);
    sb.append("  \"read\": ").append(m.read());
    for (Map.Entry<String, JsonNode> e : extras.entrySet()) {
      sb.append(",\n  ");
      quote(sb, e.getKey());
      sb.append(": ").append(MAPPER.writeValueAsString(e.getValue()));
    }
    sb.append("\n}\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Returns the wire form: the same record on one line, UTF-8, no trailing newline. */
  public static byte[] toWire(Message m) {
    StringBuilder sb = new StringBuilder(140 + m.body().length());
    sb.append("{\"msg_id\": ");
    quote(sb, m.id());
    sb.append(", \"team_id\": ");
    quote(sb, m.teamId());
    sb.append(", \"from_agent\": ");
    quote(sb, m.from());
    sb.append(", \"to_agent\": ");
    quote(sb, m.to());
    sb.append(", \"body\": ");
    quote(sb, m.body());
    sb.append(", \"timestamp\": ");
    quote(sb, Stamps.format(m.timestamp()));
    sb.append(", \"read\": ").append(m.read()).append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a record.
   *
   * @param fallbackTo the recipient when the record lacks {@code to_agent} (the inbox's agent)
   * @param fallbackTime the time when it lacks {@code timestamp}
   * @throws IllegalArgumentException whose message is the reason, such as {@code missing key
   *     'msg_id'}
   */
  public static Parsed parse(byte[] json, String fallbackTo, @Nullable Instant fallbackTime) {
    Message fast = FlatJson.parse(new String(json, StandardCharsets.UTF_8), fallbackTo);
    if (fast != null) {
      return new Parsed(fast, Map.of());
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
    }
    return parse(root, fallbackTo, fallbackTime);
  }

  /**
   * Reads a record already parsed as a JSON tree (a reader that parsed the file for its own
   * reasons); same rules and messages as {@link #parse(byte[], String, Instant)}.
   *
   * @throws IllegalArgumentException whose message is the reason
   */
  public static Parsed parse(
      @Nullable JsonNode root, String fallbackTo, @Nullable Instant fallbackTime) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String id = requiredText(root, "msg_id");
    String team = requiredText(root, "team_id");
    String from = requiredText(root, "from_agent");
    String body = requiredText(root, "body");
    String to = Objects.requireNonNullElse(optionalText(root, "to_agent"), fallbackTo);
    @Nullable String stamp = optionalText(root, "timestamp");
    Instant time = stamp == null ? fallbackTime : Stamps.parse(stamp);
    if (time == null) {
      throw new IllegalArgumentException("missing key 'timestamp'");
    }
    boolean read = false;
    JsonNode r = root.get("read");
    if (r != null && !r.isNull()) {
      if (!r.isBoolean()) {
        throw new IllegalArgumentException("key 'read' is not true or false: " + r);
      }
      read = r.booleanValue();
    }
    Message m = new Message(id, team, from, to, body, time, read);
    Map<String, JsonNode> extras = Map.of();
    if (root.size() > KNOWN.size() || !allKnown(root)) {
      extras = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!KNOWN.contains(e.getKey())) {
          extras.put(e.getKey(), e.getValue());
        }
      }
    }
    return new Parsed(m, extras);
  }

  private static boolean allKnown(JsonNode root) {
    for (String name : root.propertyNames()) {
      if (!KNOWN.contains(name)) {
        return false;
      }
    }
    return true;
  }

  private static String requiredText(JsonNode root, String key) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      throw new IllegalArgumentException("missing key '" + key + "'");
    }
    if (!n.isString()) {
      throw new IllegalArgumentException("key '" + key + "' is not a string: " + n);
    }
    return n.stringValue();
  }

  private static @Nullable String optionalText(JsonNode root, String key) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isString()) {
      throw new IllegalArgumentException("key '" + key + "' is not a string: " + n);
    }
    return n.stringValue();
  }

  private static void field(StringBuilder sb, String key, String value, boolean comma) {
    sb.append("  ");
    quote(sb, key);
    sb.append(": ");
    quote(sb, value);
    if (comma) {
      sb.append(",\n");
    }
  }

  /** Appends a JSON string literal, escaping as Python's json module does (non-ASCII kept). */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    int plain = 0;
    while (plain < s.length() && !needsEscape(s.charAt(plain))) {
      plain++;
    }
    sb.append(s, 0, plain);
    for (int i = plain; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static boolean needsEscape(char c) {
    return c < 0x20 || c == '"' || c == '\\' || c == 0x2028 || c == 0x2029;
  }
}
