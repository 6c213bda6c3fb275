package io.nemospawn.nvidia.nemo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Applies one {@link NemoOverride} to a mutable tree, Hydra's rules typed against the tree. */
final class Overrides {
  private Overrides() {}

  static void apply(ObjectNode root, NemoOverride o, boolean force) {
    List<String> path = o.path();
    boolean create = o.kind() == NemoOverride.Kind.ADD || o.kind() == NemoOverride.Kind.FORCE;
    JsonNode parent = root;
    for (int i = 0; i < path.size() - 1; i++) {
      String seg = path.get(i);
      JsonNode next = NemoConfig.child(parent, seg);
      if (next == null) {
        if (create && parent.isObject()) {
          next = NemoConfig.NODES.objectNode();
          ((ObjectNode) parent).set(seg, next);
        } else {
          throw unknown(o, parent, path, i);
        }
      } else if (!next.isObject() && !next.isArray()) {
        throw new IllegalArgumentException(
            "Cannot apply override '" + NemoConfig.printable(o.text())
                + "': " + String.join(".", path.subList(0, i + 1)) + " is a "
                + NemoConfig.typeName(next) + " (" + NemoConfig.show(next) + "), not a map or list,"
                + " so it has no key '" + path.get(i + 1) + "'");
      }
      parent = next;
    }
    String last = path.get(path.size() - 1);
    JsonNode current = NemoConfig.child(parent, last);
    String key = o.key();
    switch (o.kind()) {
      case SET -> {
        if (current == null) {
          throw unknown(o, parent, path, path.size() - 1);
        }
        put(parent, last, typed(o, current, force), o);
      }
      case ADD -> {
        if (current != null) {
          throw new IllegalArgumentException("Cannot add " + key + " with '"
              + NemoConfig.printable(o.text()) + "': it exists (" + NemoConfig.show(current)
              + "); write " + key + "=VALUE to change it, or ++" + key + "=VALUE to set it"
              + " whatever its type");
        }
        add(parent, last, value(o), o);
      }
      case FORCE -> {
        if (current == null) {
          add(parent, last, value(o), o);
        } else {
          put(parent, last, value(o), o);
        }
      }
      case DELETE -> {
        if (current == null) {
          throw unknown(o, parent, path, path.size() - 1);
        }
        JsonNode expected = o.value();
        if (expected != null) {
          // Typed as a set would be (so ~lr=1 matches lr: 1.0, ~name=123 the string "123");
          // a value of another type is simply not equal.
          JsonNode want;
          try {
            want = typed(o, current, false);
          } catch (IllegalArgumentException e) {
            want = expected;
          }
          if (!want.equals(current)) {
            throw new IllegalArgumentException("Cannot delete " + key + " with '"
                + NemoConfig.printable(o.text()) + "': its value is " + NemoConfig.show(current)
                + ", not " + NemoConfig.show(want) + "; write ~" + key
                + " to delete it whatever its value");
          }
        }
        if (parent.isObject()) {
          ((ObjectNode) parent).remove(last);
        } else {
          ((ArrayNode) parent).remove(NemoConfig.index(last));
        }
      }
    }
  }

  private static JsonNode value(NemoOverride o) {
    JsonNode v = o.value();
    if (v == null) {
      throw new IllegalArgumentException("Override '" + o.text() + "' needs a value");
    }
    return v.deepCopy();
  }

  private static void put(JsonNode parent, String last, JsonNode v, NemoOverride o) {
    if (parent.isObject()) {
      ((ObjectNode) parent).set(last, v);
    } else {
      ((ArrayNode) parent).set(NemoConfig.index(last), v);
    }
  }

  private static void add(JsonNode parent, String last, JsonNode v, NemoOverride o) {
    if (parent.isObject()) {
      ((ObjectNode) parent).set(last, v);
      return;
    }
    ArrayNode a = (ArrayNode) parent;
    int i = NemoConfig.index(last);
    if (i != a.size()) {
      throw new IllegalArgumentException("Cannot add element " + last + " with '"
          + NemoConfig.printable(o.text()) + "': the list has " + a.size() + " elements; add at"
          + " index " + a.size() + " to append, or set an existing index (0.." + (a.size() - 1)
          + ")");
    }
    a.add(v);
  }

  /**
   * Returns the override's value typed against the current one: same type, an int widened to a
   * float, a scalar kept a string for a string; refused otherwise unless forced.
   */
  static JsonNode typed(NemoOverride o, JsonNode current, boolean force) {
    JsonNode v = value(o);
    if (force
        || current.isNull()
        || v.isNull()
        || NemoConfig.isInterpolation(current)
        || NemoConfig.isInterpolation(v)) {
      return v;
    }
    String was = NemoConfig.typeName(current);
    String is = NemoConfig.typeName(v);
    if (was.equals(is)) {
      return v;
    }
    if (was.equals("float") && is.equals("int")) {
      return NemoConfig.NODES.numberNode(v.doubleValue());
    }
    if (was.equals("string") && !o.raw().isEmpty() && (v.isNumber() || v.isBoolean())) {
      return NemoConfig.NODES.stringNode(o.raw());
    }
    String key = o.key();
    throw new IllegalArgumentException("Cannot set " + key + " to " + NemoConfig.show(v)
        + " (" + article(is) + " " + is + ") with '" + NemoConfig.printable(o.text()) + "': it is "
        + article(was) + " " + was + " (" + NemoConfig.show(current) + ") in the config. Give "
        + article(was) + " " + was + ", or change its type on purpose with ++" + key
        + "=VALUE (or force)");
  }

  private static String article(String type) {
    return type.equals("int") ? "an" : "a";
  }

  private static IllegalArgumentException unknown(
      NemoOverride o, JsonNode parent, List<String> path, int at) {
    String seg = path.get(at);
    String where = at == 0 ? "the top level" : "'" + String.join(".", path.subList(0, at)) + "'";
    String prefix = at == 0 ? "" : String.join(".", path.subList(0, at)) + ".";
    String missing = prefix + seg;
    StringBuilder m = new StringBuilder(
        "Unknown key '" + missing + "' in override '" + NemoConfig.printable(o.text()) + "'");
    if (parent.isArray()) {
      m.append(": ")
          .append(where)
          .append(" is a list of ")
          .append(parent.size())
          .append(" elements (indexes 0..")
          .append(parent.size() - 1)
          .append(")");
    } else {
      List<String> siblings = new ArrayList<>();
      parent.propertyNames().forEach(siblings::add);
      Optional<String> near = DidYouMean.closest(seg, siblings);
      near.ifPresent(n -> m.append("; did you mean '").append(prefix).append(n).append("'?"));
      if (siblings.isEmpty()) {
        m.append("; ").append(where).append(" has no keys");
      } else {
        List<String> shown = siblings.size() > 20 ? siblings.subList(0, 20) : siblings;
        m.append(near.isPresent() ? " Keys" : "; keys")
            .append(" under ")
            .append(where)
            .append(": ")
            .append(shown)
            .append(siblings.size() > 20 ? " and more" : "");
      }
    }
    if (o.kind() == NemoOverride.Kind.SET && at == path.size() - 1) {
      m.append(". To add it, write +").append(o.text());
    } else if (o.kind() == NemoOverride.Kind.DELETE) {
      m.append(". Nothing to delete");
    }
    return new IllegalArgumentException(m.toString());
  }

  /** Returns whether two nodes are equal as config values (types included). */
  static boolean same(@Nullable JsonNode a, @Nullable JsonNode b) {
    return a == null ? b == null : a.equals(b);
  }
}
