package io.nemospawn.nvidia.nemo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Writes a config tree as block-style YAML in key order. Strings are plain where that reads back
 * as the same string in YAML 1.1 and 1.2 alike, otherwise double-quoted with escapes, so keys and
 * values with newlines, quotes, {@code $(..)} or a leading {@code #} come back exactly.
 * Interpolations stay plain ({@code ${model.x}}), as NeMo's own configs write them.
 */
final class YamlWriter {
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_/][A-Za-z0-9_./\\-]*");
  private static final Pattern INTERPOLATION =
      Pattern.compile("\\$\\{[^\\s'\"#\\\\\\p{Cntrl}]*\\}");
  private static final Set<String> RESERVED =
      Set.of("true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf");

  private YamlWriter() {}

  static String write(JsonNode root) {
    if (root.isEmpty()) {
      return "{}\n";
    }
    List<String> lines = new ArrayList<>();
    block(root, 0, lines);
    return String.join("\n", lines) + "\n";
  }

  /** Appends a non-empty map or list at an indentation. */
  private static void block(JsonNode n, int indent, List<String> lines) {
    String pad = " ".repeat(indent);
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        JsonNode v = e.getValue();
        String k = pad + key(e.getKey()) + ":";
        if (isBlock(v)) {
          lines.add(k);
          block(v, indent + 2, lines);
        } else {
          lines.add(k + " " + scalar(v));
        }
      }
    } else {
      for (JsonNode v : n) {
        if (isBlock(v)) {
          List<String> sub = new ArrayList<>();
          block(v, indent + 2, sub);
          sub.set(0, pad + "- " + sub.get(0).substring(indent + 2));
          lines.addAll(sub);
        } else {
          lines.add(pad + "- " + scalar(v));
        }
      }
    }
  }

  private static boolean isBlock(JsonNode v) {
    return (v.isObject() || v.isArray()) && !v.isEmpty();
  }

  private static String key(String k) {
    return plain(k) ? k : quoted(k);
  }

  private static String scalar(JsonNode v) {
    if (v.isObject()) {
      return "{}";
    }
    if (v.isArray()) {
      return "[]";
    }
    if (v.isNull()) {
      return "null";
    }
    if (v.isBoolean()) {
      return v.booleanValue() ? "true" : "false";
    }
    if (v.isIntegralNumber()) {
      return v.bigIntegerValue().toString();
    }
    if (v.isNumber()) {
      return Canonical.floatText(v.doubleValue());
    }
    String s = v.asString();
    if (plain(s) || INTERPOLATION.matcher(s).matches()) {
      return s;
    }
    return quoted(s);
  }

  private static boolean plain(String s) {
    return PLAIN.matcher(s).matches() && !RESERVED.contains(s.toLowerCase(Locale.ROOT));
  }

  /** A YAML double-quoted scalar: JSON-style escapes, every control character escaped. */
  private static String quoted(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20
              || c == 0x7f
              || (c >= 0x80 && c <= 0x9f)
              || c == '\u2028'
              || c == '\u2029'
              || c == '\ufeff') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
