package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.CategoricalDistribution;
import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.IntDistribution;
import io.nemospawn.hpo.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/** Parses the reference tool's HPO TOML ({@code [search_space]}, {@code [objective]}, {@code [budget]}). */
public final class TomlSpace {
  private static final TomlMapper TOML = TomlMapper.builder().build();
  private static final String TYPES = "uniform, loguniform, float, int, categorical";

  private TomlSpace() {}

  public static HpoConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read HPO file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  public static HpoConfig parse(String text, String source) {
    JsonNode root;
    try {
      root = TOML.readTree(text);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "Cannot parse HPO file " + source + ": " + e.getOriginalMessage() + locationOf(e) + ".",
          e);
    }
    JsonNode spaceNode = root.path("search_space");
    if (!spaceNode.isObject() || spaceNode.isEmpty()) {
      throw new IllegalArgumentException(
          "HPO file " + source + " has no [search_space] table with parameters; add one, e.g."
              + " lr = { type = \"loguniform\", low = 1e-5, high = 1e-1 }.");
    }
    SearchSpace.Builder space = SearchSpace.builder();
    for (Map.Entry<String, JsonNode> e : spaceNode.properties()) {
      String name = e.getKey();
      int line = lineOf(text, name);
      String where = " for parameter '" + name + "' at line " + line + " of " + source;
      try {
        space.param(name, distribution(e.getValue(), where));
      } catch (IllegalArgumentException ex) {
        String why = Objects.toString(ex.getMessage(), ex.toString());
        if (why.contains(" at line ")) {
          throw ex;
        }
        throw new IllegalArgumentException(why.replaceAll("\\.$", "") + where + ".", ex);
      }
    }
    JsonNode obj = root.path("objective");
    JsonNode budget = root.path("budget");
    return new HpoConfig(
        space.build(),
        obj.path("metric").asString("val_loss"),
        Direction.parse(obj.path("direction").asString("minimize")),
        budget.path("max_trials").asInt(0),
        budget.path("min_steps_before_prune").asInt(0),
        root.path("sampler").path("type").asString("tpe"),
        root.path("pruner").path("type").asString("asha"));
  }

  private static String locationOf(JacksonException e) {
    return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
  }

  private static Distribution distribution(JsonNode spec, String where) {
    if (!spec.isObject()) {
      throw new IllegalArgumentException(
          "Expected a table like { type = \"uniform\", low = 0.0, high = 1.0 }" + where + ".");
    }
    String type = spec.path("type").asString("");
    switch (type.toLowerCase(Locale.ROOT)) {
      case "uniform":
      case "float":
        return new FloatDistribution(
            num(spec, "low", where),
            num(spec, "high", where),
            spec.path("log").asBoolean(false),
            spec.path("step").asDouble(0));
      case "loguniform":
        return FloatDistribution.logOf(num(spec, "low", where), num(spec, "high", where));
      case "int":
        return new IntDistribution(
            (long) num(spec, "low", where),
            (long) num(spec, "high", where),
            spec.path("log").asBoolean(false),
            spec.path("step").asLong(1));
      case "categorical":
        JsonNode choices = spec.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
          throw new IllegalArgumentException("Missing or empty 'choices'" + where + ".");
        }
        List<Object> list = new ArrayList<>();
        for (JsonNode c : choices) {
          if (c.isBoolean()) {
            list.add(c.asBoolean());
          } else if (c.isIntegralNumber()) {
            list.add(c.asLong());
          } else if (c.isNumber()) {
            list.add(c.asDouble());
          } else {
            list.add(c.asString());
          }
        }
        return new CategoricalDistribution(list);
      default:
        throw new IllegalArgumentException(
            "Unknown search space type '" + type + "'" + where + ": use one of " + TYPES + ".");
    }
  }

  private static double num(JsonNode spec, String key, String where) {
    JsonNode n = spec.get(key);
    if (n == null || !n.isNumber()) {
      throw new IllegalArgumentException("Missing or non-numeric '" + key + "'" + where + ".");
    }
    return n.asDouble();
  }

  /** Returns the 1-based line defining a parameter of [search_space], or 0 if not found. */
  static int lineOf(String text, String name) {
    String[] lines = text.split("\n", -1);
    boolean inSpace = false;
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].strip();
      if (l.startsWith("[")) {
        String header = l.replaceAll("[\\[\\]\\s]", "");
        if (header.equals("search_space." + name)
            || header.equals("search_space.\"" + name + "\"")) {
          return i + 1;
        }
        inSpace = header.equals("search_space");
        continue;
      }
      if (inSpace
          && (l.startsWith(name + " ")
              || l.startsWith(name + "=")
              || l.startsWith("\"" + name + "\""))) {
        return i + 1;
      }
    }
    return 0;
  }
}
