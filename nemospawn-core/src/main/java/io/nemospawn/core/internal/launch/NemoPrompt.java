package io.nemospawn.core.internal.launch;

import io.nemospawn.launch.Template;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker with a NeMo config or overrides ({@code nemo_config}, {@code nemo_overrides} in
 * its template) is told: a prompt section after its task, and the environment variables {@code
 * NEMOSPAWN_NEMO_CONFIG} (the config's path) and {@code NEMOSPAWN_NEMO_OVERRIDES} (the overrides,
 * one per line, in order).
 */
final class NemoPrompt {
  /** The environment variable holding the base config's path. */
  static final String CONFIG_ENV = "NEMOSPAWN_NEMO_CONFIG";

  /** The environment variable holding the overrides, one per line. */
  static final String OVERRIDES_ENV = "NEMOSPAWN_NEMO_OVERRIDES";

  private NemoPrompt() {}

  static Map<String, String> env(Template.Worker w) {
    Map<String, String> env = new LinkedHashMap<>();
    if (!w.nemoConfig().isEmpty()) {
      env.put(CONFIG_ENV, w.nemoConfig());
    }
    if (!w.nemoOverrides().isEmpty()) {
      env.put(OVERRIDES_ENV, String.join("\n", w.nemoOverrides()));
    }
    return env;
  }

  /** Returns the prompt section, starting with a blank line; empty when there is nothing. */
  static String section(Template.Worker w) {
    if (w.nemoConfig().isEmpty() && w.nemoOverrides().isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("\n\nNeMo config:");
    if (!w.nemoConfig().isEmpty()) {
      b.append(" start from ")
          .append(w.nemoConfig())
          .append(" ($")
          .append(CONFIG_ENV)
          .append(")");
    }
    List<String> o = w.nemoOverrides();
    if (o.isEmpty()) {
      b.append(".");
      return b.toString();
    }
    b.append(" with these Hydra overrides, in order (also one per line in $")
        .append(OVERRIDES_ENV)
        .append("):\n");
    o.forEach(x -> b.append("  ").append(x).append('\n'));
    b.append("Resolve them with: nemospawn nemo config override ")
        .append(w.nemoConfig().isEmpty() ? "CONFIG.yaml" : quote(w.nemoConfig()));
    o.forEach(x -> b.append(' ').append(quote(x)));
    b.append(" -o run.yaml");
    return b.toString();
  }

  /** Returns a word single-quoted for a POSIX shell. */
  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
