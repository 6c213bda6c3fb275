package io.nemospawn.nvidia.nemo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One Hydra-style override of a NeMo config, parsed from its command-line text.
 *
 * <pre>{@code
 * trainer.max_steps=5000     set a key that exists (typed against the config)
 * +model.new_key=1           add a key that does not exist yet
 * ++model.optim.lr=abc       set or add, whatever is there and whatever its type
 * ~model.drop_key            delete a key (~key=value: only while it equals value)
 * model.layers.0=8           list elements by index
 * }</pre>
 *
 * <p>Values follow Hydra's grammar: {@code null}, {@code true}/{@code false}, integers, floats
 * ({@code 2e-4}, {@code inf}, {@code nan}), quoted strings ({@code 'a b'}, {@code "x"}, with
 * {@code \'}, {@code \"} and {@code \\} escapes), lists {@code [1,2]}, dictionaries {@code {a: 1}}
 * and interpolations {@code ${model.x}}, which are kept as written. Anything else unquoted is a
 * string. Sweeps ({@code a,b}, {@code choice(..)}, {@code range(..)}) are refused: they belong to
 * a Hydra multirun, not to one config. Immutable and thread-safe.
 *
 * @param kind what the override does
 * @param path the key path, one element per dot-separated name
 * @param value the value as parsed (a JSON tree node; a null node for {@code null}); for a
 *     delete, the value it must equal, or {@code null} when any value may be deleted
 * @param raw the text of a scalar value as typed (used to keep a string field a string: {@code
 *     name=123} sets the string "123"); empty for containers
 * @param quoted whether the value was a quoted string
 * @param text the override as given
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record NemoOverride(
    Kind kind,
    List<String> path,
    @Nullable JsonNode value,
    String raw,
    boolean quoted,
    String text) {

  /** What an override does. */
  public enum Kind {
    /** {@code key=value}: the key must exist; the value must have its type. */
    SET,
    /** {@code +key=value}: the key must not exist. */
    ADD,
    /** {@code ++key=value}: set or add; the type may change. */
    FORCE,
    /** {@code ~key} or {@code ~key=value}: the key must exist (and equal the value). */
    DELETE
  }

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_\\-]+");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<String> SWEEPS =
      List.of("choice(", "range(", "interval(", "glob(", "shuffle(", "sort(", "tag(");

  /** Validates and copies. */
  public NemoOverride {
    Objects.requireNonNull(kind, "kind");
    path = List.copyOf(path);
    if (path.isEmpty()) {
      throw new IllegalArgumentException("An override needs a key path");
    }
    raw = raw == null ? "" : raw;
    text = text == null ? "" : text;
    if (kind != Kind.DELETE && value == null) {
      throw new IllegalArgumentException("Override '" + text + "' needs a value");
    }
  }

  /** Returns the key path written with dots, as in the override. */
  public String key() {
    return String.join(".", path);
  }

  /**
   * Parses one override.
   *
   * @throws IllegalArgumentException naming the override and what is wrong with it
   */
  public static NemoOverride parse(String text) {
    Objects.requireNonNull(text, "text");
    String shown = NemoConfig.printable(text);
    String s = text;
    Kind kind = Kind.SET;
    if (s.startsWith("++")) {
      kind = Kind.FORCE;
      s = s.substring(2);
    } else if (s.startsWith("+")) {
      kind = Kind.ADD;
      s = s.substring(1);
    } else if (s.startsWith("~")) {
      kind = Kind.DELETE;
      s = s.substring(1);
    }
    int eq = s.indexOf('=');
    String keyText = eq < 0 ? s : s.substring(0, eq);
    if (keyText.isEmpty()) {
      throw new IllegalArgumentException("Invalid override '" + shown
          + "': no key before '='; write key=value, e.g. trainer.max_steps=5000");
    }
    List<String> path = new ArrayList<>();
    for (String seg : keyText.split("\\.", -1)) {
      if (!SEGMENT.matcher(seg).matches()) {
        throw new IllegalArgumentException("Invalid key '" + NemoConfig.printable(keyText)
            + "' in override '" + shown + "': a key is dot-separated names of letters, digits,"
            + " '_' and '-' (list elements by index: a.b.0)");
      }
      path.add(seg);
    }
    if (eq < 0) {
      if (kind != Kind.DELETE) {
        throw new IllegalArgumentException("Invalid override '" + shown + "': no '=' and no"
            + " value; write " + (kind == Kind.ADD ? "+" : kind == Kind.FORCE ? "++" : "")
            + keyText + "=VALUE (or ~" + keyText + " to delete it)");
      }
      return new NemoOverride(kind, path, null, "", false, text);
    }
    String valueText = s.substring(eq + 1);
    Parser p = new Parser(valueText, shown);
    Parsed v = p.top();
    return new NemoOverride(kind, path, v.node, v.raw, v.quoted, text);
  }

  /** Parses overrides in order; the first bad one throws. */
  public static List<NemoOverride> parseAll(List<String> texts) {
    List<NemoOverride> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(parse(t));
    }
    return List.copyOf(out);
  }

  private record Parsed(JsonNode node, String raw, boolean quoted) {}

  /** A recursive-descent parser of Hydra's value grammar. */
  private static final class Parser {
    private final String s;
    private final String shown;
    private int i;

    Parser(String s, String shown) {
      this.s = s;
      this.shown = shown;
    }

    Parsed top() {
      skipSpace();
      if (i == s.length()) {
        // Hydra: key= sets the empty string.
        return new Parsed(NODES.stringNode(""), "", true);
      }
      String rest = s.substring(i).strip();
      for (String sweep : SWEEPS) {
        if (rest.toLowerCase(Locale.ROOT).startsWith(sweep)) {
          throw error("sweeps (" + sweep + "..)) belong to a Hydra multirun, not to one config;"
              + " quote the value if you meant the text");
        }
      }
      Parsed v = element(true);
      skipSpace();
      if (i < s.length()) {
        if (s.charAt(i) == ',') {
          throw error("a comma-separated value is a Hydra sweep; quote it for a string"
              + " ('a,b') or use brackets for a list ([a,b])");
        }
        throw error("unexpected '" + s.charAt(i) + "' at position " + (i + 1));
      }
      return v;
    }

    private Parsed element(boolean top) {
      skipSpace();
      if (i >= s.length()) {
        throw error("a value is missing at position " + (i + 1));
      }
      char c = s.charAt(i);
      if (c == '[') {
        return list();
      }
      if (c == '{') {
        return dict();
      }
      if (c == '\'' || c == '"') {
        String q = quoted();
        return new Parsed(NODES.stringNode(q), q, true);
      }
      return primitive(top);
    }

    private Parsed list() {
      ArrayNode a = NODES.arrayNode();
      i++; // [
      skipSpace();
      if (peek(']')) {
        i++;
        return new Parsed(a, "", false);
      }
      while (true) {
        a.add(element(false).node);
        skipSpace();
        if (peek(',')) {
          i++;
          continue;
        }
        if (peek(']')) {
          i++;
          return new Parsed(a, "", false);
        }
        throw error("a list needs ',' or ']' at position " + (i + 1));
      }
    }

    private Parsed dict() {
      ObjectNode o = NODES.objectNode();
      i++; // {
      skipSpace();
      if (peek('}')) {
        i++;
        return new Parsed(o, "", false);
      }
      while (true) {
        skipSpace();
        String key;
        if (peek('\'') || peek('"')) {
          key = quoted();
        } else {
          int start = i;
          while (i < s.length() && s.charAt(i) != ':' && s.charAt(i) != ',' && s.charAt(i) != '}') {
            i++;
          }
          key = s.substring(start, i).strip();
        }
        if (key.isEmpty()) {
          throw error("a dictionary key is missing at position " + (i + 1));
        }
        skipSpace();
        if (!peek(':')) {
          throw error("a dictionary needs ':' after key '" + NemoConfig.printable(key) + "'");
        }
        i++;
        if (o.has(key)) {
          throw error("the dictionary has key '" + NemoConfig.printable(key) + "' twice");
        }
        o.set(key, element(false).node);
        skipSpace();
        if (peek(',')) {
          i++;
          continue;
        }
        if (peek('}')) {
          i++;
          return new Parsed(o, "", false);
        }
        throw error("a dictionary needs ',' or '}' at position " + (i + 1));
      }
    }

    private String quoted() {
      char q = s.charAt(i++);
      StringBuilder b = new StringBuilder();
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '\\' && i < s.length() && (s.charAt(i) == q || s.charAt(i) == '\\')) {
          b.append(s.charAt(i++));
        } else if (c == q) {
          return b.toString();
        } else {
          b.append(c);
        }
      }
      throw error("the quoted string has no closing " + q);
    }

    private Parsed primitive(boolean top) {
      StringBuilder b = new StringBuilder();
      int depth = 0;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
          depth++;
          b.append("${");
          i += 2;
          continue;
        }
        if (depth > 0) {
          if (c == '{') {
            depth++;
          } else if (c == '}') {
            depth--;
          }
          b.append(c);
          i++;
          continue;
        }
        if (c == '\\' && i + 1 < s.length() && "\\,[]{}()=: '\"".indexOf(s.charAt(i + 1)) >= 0) {
          b.append(s.charAt(i + 1));
          i += 2;
          continue;
        }
        if (c == ',' || c == ']' || c == '}' || c == '[' || c == '{') {
          break;
        }
        if (c == '\'' || c == '"') {
          throw error("a quote inside an unquoted value; quote the whole value: '...'");
        }
        if (Character.isISOControl(c)) {
          throw error("a control character (U+" + String.format("%04X", (int) c)
              + ") in an unquoted value; quote the value to keep it");
        }
        b.append(c);
        i++;
      }
      if (depth > 0) {
        throw error("the interpolation ${... has no closing '}'");
      }
      String raw = b.toString().strip();
      if (raw.isEmpty()) {
        throw error("a value is missing at position " + (i + 1));
      }
      return new Parsed(scalar(raw), raw, false);
    }

    private IllegalArgumentException error(String why) {
      return new IllegalArgumentException("Invalid value in override '" + shown + "': " + why);
    }

    private boolean peek(char c) {
      return i < s.length() && s.charAt(i) == c;
    }

    private void skipSpace() {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
    }
  }

  private static final Pattern INT = Pattern.compile("[+-]?[0-9][0-9_]*");
  private static final Pattern FLOAT = Pattern.compile(
      "[+-]?(([0-9][0-9_]*)?\\.[0-9_]*([eE][+-]?[0-9]+)?|[0-9][0-9_]*[eE][+-]?[0-9]+)");

  /** Types an unquoted scalar as Hydra does: null, bool, int, float, else string. */
  static JsonNode scalar(String raw) {
    String lower = raw.toLowerCase(Locale.ROOT);
    if (lower.equals("null")) {
      return NODES.nullNode();
    }
    if (lower.equals("true") || lower.equals("false")) {
      return NODES.booleanNode(lower.equals("true"));
    }
    if (INT.matcher(raw).matches() && !raw.endsWith("_")) {
      return NemoConfig.integer(new java.math.BigInteger(raw.replace("_", "")));
    }
    if (FLOAT.matcher(raw).matches() && !raw.equals(".") && !raw.matches("[+-]?\\.")) {
      return NODES.numberNode(Double.parseDouble(raw.replace("_", "")));
    }
    switch (lower) {
      case "inf":
      case "+inf":
        return NODES.numberNode(Double.POSITIVE_INFINITY);
      case "-inf":
        return NODES.numberNode(Double.NEGATIVE_INFINITY);
      case "nan":
        return NODES.numberNode(Double.NaN);
      default:
        return NODES.stringNode(raw);
    }
  }
}
