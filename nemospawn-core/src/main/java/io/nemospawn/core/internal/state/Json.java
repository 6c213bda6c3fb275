package io.nemospawn.core.internal.state;

import io.nemospawn.spi.StateFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON as the state directory stores it: UTF-8, 2-space indent with one array element per line
 * and {@code "key": value}, as Python's {@code json.dumps(indent=2)} writes it, and a trailing
 * newline. Records are handled as {@link ObjectNode}s so that fields another tool added survive a
 * read-modify-write.
 */
public final class Json {
  private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
      .withSeparators(Separators.createDefaultInstance()
          .withObjectNameValueSpacing(Separators.Spacing.AFTER)
          .withObjectEmptySeparator("")
          .withArrayEmptySeparator(""))
      .withArrayIndenter(new DefaultIndenter("  ", "\n"))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"));

  /** The shared mapper; thread-safe. */
  public static final JsonMapper MAPPER = JsonMapper.builder()
      .defaultPrettyPrinter(PRETTY)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  private Json() {}

  /** Returns a new empty object node. */
  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** Serialises a node as the state directory stores it, with a trailing newline. */
  public static byte[] bytes(JsonNode node) {
    return (MAPPER.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses bytes into an object node.
   *
   * @throws IllegalArgumentException with the parser's reason when they are not a JSON object
   */
  public static ObjectNode parseObject(byte[] bytes) {
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (node == null || node.isMissingNode() || !node.isObject()) {
      throw new IllegalArgumentException("expected a JSON object, found "
          + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType()));
    }
    return (ObjectNode) node;
  }

  /** Returns a required text field, or throws naming it. */
  public static String text(ObjectNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("required field '" + field + "' is missing");
    }
    if (!v.isString()) {
      throw new IllegalArgumentException(
          "field '" + field + "' must be a string, found " + v.getNodeType());
    }
    return v.asString();
  }

  /** Returns an optional text field, or {@code fallback} when missing or null. */
  public static String text(ObjectNode n, String field, String fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    return v.isString() ? v.asString() : v.toString();
  }

  /** Returns a timestamp field, or {@code fallback} when missing or null. */
  public static Instant instant(ObjectNode n, String field, Instant fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull() || (v.isString() && v.asString().isEmpty())) {
      return fallback;
    }
    try {
      return StateFormat.parseTimestamp(v.asString());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field '" + field + "': " + e.getMessage(), e);
    }
  }

  /** Returns a timestamp field, or null when missing or null. */
  public static @Nullable Instant instantOrNull(ObjectNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || (v.isString() && v.asString().isEmpty())
        ? null
        : instant(n, field, Instant.EPOCH);
  }

  /** Writes a timestamp field in the state format, or null. */
  public static void put(ObjectNode n, String field, @Nullable Instant value) {
    if (value == null) {
      n.putNull(field);
    } else {
      n.put(field, StateFormat.formatTimestamp(value));
    }
  }

  /** Returns a list of strings (missing: empty). */
  public static List<String> strings(ObjectNode n, String field) {
    JsonNode v = n.get(field);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(
          "field '" + field + "' must be a list, found " + v.getNodeType());
    }
    for (JsonNode e : v) {
      out.add(e.isString() ? e.asString() : e.toString());
    }
    return out;
  }

  /** Returns a list of ints (missing: empty). */
  public static List<Integer> ints(ObjectNode n, String field) {
    JsonNode v = n.get(field);
    List<Integer> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException("field '" + field
          + "' must be a list of integers such as [0, 1], found " + v.getNodeType());
    }
    for (JsonNode e : v) {
      if (!e.canConvertToInt()) {
        throw new IllegalArgumentException("field '" + field + "' must hold integers, found " + e);
      }
      out.add(e.asInt());
    }
    return out;
  }

  /** Puts a list of strings or numbers. */
  public static void putList(ObjectNode n, String field, List<?> values) {
    ArrayNode a = n.putArray(field);
    for (Object o : values) {
      a.add(MAPPER.valueToTree(o));
    }
  }

  /** Converts a node to plain Java values (maps, lists, strings, numbers, booleans, null). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> toMap(JsonNode node) {
    if (node == null || node.isNull() || !node.isObject()) {
      return new java.util.LinkedHashMap<>();
    }
    return MAPPER.convertValue(node, Map.class);
  }

  /** Converts a plain Java value to a node. */
  public static JsonNode toNode(Object value) {
    return MAPPER.valueToTree(value);
  }
}
