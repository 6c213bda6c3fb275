package io.nemospawn.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Turns JMH JSON results ({@code -rf json -rff FILE}) into a gnuplot data file for
 * {@code scripts/curves.sh}: one block per curve (a benchmark method and its other parameters),
 * each starting with its quoted title (for {@code title columnheader(1)}) and then one row per
 * size, sorted: {@code x  mean  min  max}, times in milliseconds per operation, min and max being
 * the fastest and slowest measured iteration. Blocks are separated by two blank lines (gnuplot's
 * {@code index}).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.nemospawn.benchmarks.CurveData OUT.dat [-l
 * method=title]... PARAM:RESULT.json...}, where a label applies to the methods whose name starts
 * with {@code method}, and {@code PARAM} is the parameter on the x axis of
 * that file's results ({@code -p PARAM=1000,10000,...} of the run). A result without that
 * parameter fails the conversion (JMH silently ignores {@code -p} of a parameter the benchmark
 * does not have), as does a throughput result (not a time).
 */
public final class CurveData {
  private CurveData() {}

  /** One point of a curve. */
  record Point(double x, double mean, double min, double max) {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: CurveData OUT.dat [-l method=title]... PARAM:RESULT.json...");
      System.exit(2);
    }
    Map<String, String> labels = new LinkedHashMap<>();
    List<String> inputs = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("-l") && i + 1 < args.length) {
        String[] kv = args[++i].split("=", 2);
        labels.put(kv[0], kv.length > 1 ? kv[1] : kv[0]);
      } else {
        inputs.add(args[i]);
      }
    }
    Map<String, List<Point>> curves = new LinkedHashMap<>();
    for (String input : inputs) {
      int colon = input.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("expected PARAM:RESULT.json, got " + input);
      }
      Path file = Path.of(input.substring(colon + 1));
      curves(Files.readString(file), input.substring(0, colon), labels, file.toString())
          .forEach((k, v) -> curves.merge(k, v, (a, b) -> {
            a.addAll(b);
            return a;
          }));
    }
    try (PrintStream out =
        new PrintStream(Files.newOutputStream(Path.of(args[0])), true, StandardCharsets.UTF_8)) {
      write(curves, out);
    }
  }

  /**
   * Reads one JMH JSON result file into curves keyed by title, points sorted by x.
   *
   * @param xParam the parameter on the x axis; every result must have it
   * @param labels titles by the start of the benchmark method's name (the name after the class;
   *     the first key that matches wins); others get {@code Class.method}
   * @param source the file's name, for error messages
   */
  static Map<String, List<Point>> curves(
      String json, String xParam, Map<String, String> labels, String source) {
    JsonNode results = new ObjectMapper().readTree(json);
    if (!results.isArray() || results.isEmpty()) {
      throw new IllegalArgumentException(source + ": no JMH results (empty run or not -rf json)");
    }
    Map<String, List<Point>> curves = new LinkedHashMap<>();
    for (JsonNode r : results) {
      String bench = r.path("benchmark").asString();
      String shortName = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
      String method = shortName.substring(shortName.indexOf('.') + 1);
      Map<String, String> params = new TreeMap<>();
      r.path("params")
          .properties()
          .forEach(e -> params.put(e.getKey(), e.getValue().asString()));
      String x = params.remove(xParam);
      if (x == null) {
        throw new IllegalArgumentException(source + ": " + shortName + " has no parameter '"
            + xParam + "' (parameters: " + params.keySet() + "); JMH ignores -p " + xParam
            + "=... for a benchmark without it: is this the version that takes it?");
      }
      JsonNode m = r.path("primaryMetric");
      double scale = toMillis(m.path("scoreUnit").asString(), shortName);
      JsonNode pct = m.path("scorePercentiles");
      StringBuilder title = new StringBuilder(label(labels, method, shortName));
      params.forEach((k, v) -> title.append(", ").append(k).append('=').append(v));
      curves
          .computeIfAbsent(title.toString(), k -> new ArrayList<>())
          .add(new Point(
              Double.parseDouble(x),
              m.path("score").asDouble() * scale,
              pct.path("0.0").asDouble() * scale,
              pct.path("100.0").asDouble() * scale));
    }
    curves.values().forEach(points -> points.sort(Comparator.comparingDouble(Point::x)));
    return curves;
  }

  /** The title of the first label whose key starts the method's name, else the short name. */
  private static String label(Map<String, String> labels, String method, String shortName) {
    return labels.entrySet().stream()
        .filter(e -> method.startsWith(e.getKey()))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(shortName);
  }

  /** Milliseconds per unit of a JMH time-per-operation unit. */
  static double toMillis(String unit, String bench) {
    return switch (unit) {
      case "ns/op" -> 1e-6;
      case "us/op" -> 1e-3;
      case "ms/op" -> 1;
      case "s/op" -> 1e3;
      case "min/op" -> 6e4;
      default ->
        throw new IllegalArgumentException(bench + ": unit " + unit
            + " is not a time per operation; run it with -bm avgt or -bm ss");
    };
  }

  /** Writes the curves as gnuplot blocks. */
  static void write(Map<String, List<Point>> curves, PrintStream out) {
    boolean first = true;
    for (Map.Entry<String, List<Point>> c : curves.entrySet()) {
      if (!first) {
        out.print("\n\n");
      }
      first = false;
      out.println('"' + c.getKey().replace("\"", "'") + '"');
      for (Point p : c.getValue()) {
        out.printf(Locale.ROOT, "%s %.6g %.6g %.6g%n", fmt(p.x()), p.mean(), p.min(), p.max());
      }
    }
  }

  private static String fmt(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }
}
