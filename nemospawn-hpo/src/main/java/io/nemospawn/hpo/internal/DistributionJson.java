package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.CategoricalDistribution;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.IntDistribution;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Reads and writes distributions in Optuna's {@code distribution_json} form. */
public final class DistributionJson {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private DistributionJson() {}

  /** Writes Optuna 3.x JSON. */
  public static String write(Distribution d) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode a = JSON.createObjectNode();
    if (d instanceof FloatDistribution f) {
      root.put("name", "FloatDistribution");
      if (f.step() > 0) {
        a.put("step", f.step());
      } else {
        a.putNull("step");
      }
      a.put("low", f.low());
      a.put("high", f.high());
      a.put("log", f.log());
    } else if (d instanceof IntDistribution i) {
      root.put("name", "IntDistribution");
      a.put("log", i.log());
      a.put("step", i.step());
      a.put("low", i.low());
      a.put("high", i.high());
    } else {
      CategoricalDistribution c = (CategoricalDistribution) d;
      root.put("name", "CategoricalDistribution");
      ArrayNode arr = a.putArray("choices");
      for (Object o : c.choices()) {
        arr.add(JSON.valueToTree(o));
      }
    }
    root.set("attributes", a);
    return JSON.writeValueAsString(root);
  }

  /** Reads Optuna 3.x JSON, and the 2.x distribution names Optuna still accepts. */
  public static Distribution read(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "Distribution JSON " + json + " does not parse: " + e.getMessage(), e);
    }
    JsonNode a = root.path("attributes");
    String name = root.path("name").asString("");
    switch (name) {
      case "FloatDistribution":
        return new FloatDistribution(
            a.get("low").asDouble(),
            a.get("high").asDouble(),
            a.path("log").asBoolean(false),
            a.path("step").isNull() || a.path("step").isMissingNode()
                ? 0
                : a.get("step").asDouble());
      case "UniformDistribution":
        return FloatDistribution.of(a.get("low").asDouble(), a.get("high").asDouble());
      case "LogUniformDistribution":
        return FloatDistribution.logOf(a.get("low").asDouble(), a.get("high").asDouble());
      case "DiscreteUniformDistribution":
        return FloatDistribution.stepped(
            a.get("low").asDouble(), a.get("high").asDouble(), a.get("q").asDouble());
      case "IntDistribution":
        return new IntDistribution(
            a.get("low").asLong(),
            a.get("high").asLong(),
            a.path("log").asBoolean(false),
            a.path("step").asLong(1));
      case "IntUniformDistribution":
        return IntDistribution.stepped(
            a.get("low").asLong(), a.get("high").asLong(), a.path("step").asLong(1));
      case "IntLogUniformDistribution":
        return IntDistribution.logOf(a.get("low").asLong(), a.get("high").asLong());
      case "CategoricalDistribution":
        List<Object> choices = new ArrayList<>();
        for (JsonNode c : a.get("choices")) {
          if (c.isNull()) {
            choices.add(null);
          } else if (c.isBoolean()) {
            choices.add(c.asBoolean());
          } else if (c.isIntegralNumber()) {
            choices.add(c.asLong());
          } else if (c.isNumber()) {
            choices.add(c.asDouble());
          } else {
            choices.add(c.asString());
          }
        }
        return new CategoricalDistribution(choices);
      default:
        throw new IllegalArgumentException("Unknown distribution '" + name + "' in " + json
            + ": expected FloatDistribution, IntDistribution or CategoricalDistribution.");
    }
  }
}
