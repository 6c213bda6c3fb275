package io.nemospawn.nvidia.nemo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Writes the canonical text a config hash is computed over; see {@link NemoConfig#canonical}. */
final class Canonical {
  private Canonical() {}

  static void write(JsonNode n, StringBuilder b) {
    if (n.isObject()) {
      List<String> keys = new ArrayList<>();
      n.propertyNames().forEach(keys::add);
      Collections.sort(keys);
      b.append('{');
      for (int i = 0; i < keys.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        string(keys.get(i), b);
        b.append(':');
        write(n.get(keys.get(i)), b);
      }
      b.append('}');
    } else if (n.isArray()) {
      b.append('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        write(n.get(i), b);
      }
      b.append(']');
    } else if (n.isIntegralNumber()) {
      b.append(n.bigIntegerValue().toString());
    } else if (n.isNumber()) {
      double d = n.doubleValue();
      b.append(
          Double.isNaN(d)
              ? "NaN"
              : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : floatText(d));
    } else if (n.isBoolean()) {
      b.append(n.booleanValue() ? "true" : "false");
    } else if (n.isNull()) {
      b.append("null");
    } else {
      string(n.asString(), b);
    }
  }

  /**
   * Returns a finite double in the shortest form that reads back exactly, always with a fraction
   * or an exponent and a signed lower-case exponent: 1.0, 0.5, 2.0e-4, 1.0e+20. Both YAML 1.1
   * (PyYAML, which OmegaConf builds on) and YAML 1.2 read it as a float.
   */
  static String floatText(double d) {
    if (Double.isNaN(d)) {
      return ".nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? ".inf" : "-.inf";
    }
    String s = Double.toString(d); // shortest round-trip form: 1.0, 2.0E-4, 1.0E20
    int e = s.indexOf('E');
    if (e < 0) {
      return s;
    }
    String mantissa = s.substring(0, e);
    String exp = s.substring(e + 1);
    return mantissa + "e" + (exp.startsWith("-") ? exp : "+" + exp);
  }

  static void string(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }
}
