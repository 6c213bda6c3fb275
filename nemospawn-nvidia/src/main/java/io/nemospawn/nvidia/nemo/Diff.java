package io.nemospawn.nvidia.nemo;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Computes key-path differences between two trees. */
final class Diff {
  private Diff() {}

  static void diff(String prefix, JsonNode a, JsonNode b, List<NemoConfig.Change> out) {
    if (a.isObject() && b.isObject()) {
      for (Map.Entry<String, JsonNode> e : a.properties()) {
        String p = join(prefix, e.getKey());
        JsonNode other = b.get(e.getKey());
        if (other == null) {
          out.add(new NemoConfig.Change(p, NemoConfig.ChangeKind.REMOVED, e.getValue(), null));
        } else {
          diff(p, e.getValue(), other, out);
        }
      }
      for (Map.Entry<String, JsonNode> e : b.properties()) {
        if (!a.has(e.getKey())) {
          out.add(new NemoConfig.Change(
              join(prefix, e.getKey()), NemoConfig.ChangeKind.ADDED, null, e.getValue()));
        }
      }
      return;
    }
    if (a.isArray() && b.isArray()) {
      int common = Math.min(a.size(), b.size());
      for (int i = 0; i < common; i++) {
        diff(join(prefix, Integer.toString(i)), a.get(i), b.get(i), out);
      }
      for (int i = common; i < a.size(); i++) {
        out.add(new NemoConfig.Change(
            join(prefix, Integer.toString(i)), NemoConfig.ChangeKind.REMOVED, a.get(i), null));
      }
      for (int i = common; i < b.size(); i++) {
        out.add(new NemoConfig.Change(
            join(prefix, Integer.toString(i)), NemoConfig.ChangeKind.ADDED, null, b.get(i)));
      }
      return;
    }
    if (!a.equals(b)) {
      out.add(new NemoConfig.Change(prefix, NemoConfig.ChangeKind.CHANGED, a, b));
    }
  }

  /** Joins a key path; a key that is no plain name is written quoted. */
  static String join(String prefix, String key) {
    String k = key.matches("[A-Za-z0-9_\\-]+") ? key : quote(key);
    return prefix.isEmpty() ? k : prefix + "." + k;
  }

  private static String quote(String key) {
    StringBuilder b = new StringBuilder();
    Canonical.string(key, b);
    return b.toString();
  }
}
