package io.nemospawn.demo.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The demo agent's data-curation stages over a seeded, deliberately dirty text data set: {@code
 * ingest} writes raw records (with malformed rows and near-duplicates), {@code clean} normalises
 * and drops malformed rows, {@code deduplicate} removes duplicates, {@code validate} checks the
 * result. Each stage reads the previous stage's file in the given directory.
 */
public final class Curation {
  private static final String HEADER = "id,text,label";
  private static final List<String> LABELS = List.of("positive", "negative", "neutral");
  private static final String[] WORDS = {
    "gpu", "agent", "team", "model", "loss", "train", "data", "token", "batch", "layer", "sweep",
    "trial", "prune", "merge", "task", "plan"
  };

  /**
   * What a stage did.
   *
   * @param summary one line for the leader
   * @param metrics counts, stored as task metadata
   * @param artifactPath the file to register as a dataset artifact, or null
   */
  public record Result(
      String summary, Map<String, Object> metrics, @Nullable Path artifactPath) {}

  private Curation() {}

  /** Runs a stage ({@code ingest}, {@code clean}, {@code deduplicate}, {@code validate}). */
  public static Result run(String stage, Path dir, long seed) {
    switch (stage) {
      case "ingest":
        return ingest(dir, seed);
      case "clean":
        return clean(dir);
      case "deduplicate":
        return deduplicate(dir);
      case "validate":
        return validate(dir);
      default:
        throw new IllegalArgumentException(
            "Unknown curation stage '" + stage + "'; stages: ingest, clean, deduplicate, validate");
    }
  }

  private static Result ingest(Path dir, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    List<String> texts = new ArrayList<>();
    int malformed = 0;
    for (int i = 0; i < 2000; i++) {
      String text;
      if (!texts.isEmpty() && r.nextInt(100) < 15) {
        // a near-duplicate: same words, different case and spacing
        text = "  " + texts.get(r.nextInt(texts.size())).toUpperCase(Locale.ROOT) + " ";
      } else {
        StringBuilder b = new StringBuilder();
        int n = 3 + r.nextInt(6);
        for (int w = 0; w < n; w++) {
          b.append(w == 0 ? "" : r.nextInt(10) == 0 ? "   " : " ")
              .append(WORDS[r.nextInt(WORDS.length)]);
        }
        text = b.toString();
        texts.add(text);
      }
      String label = LABELS.get(r.nextInt(LABELS.size()));
      int kind = r.nextInt(100);
      if (kind < 2) {
        lines.add(i + "," + text); // missing label
        malformed++;
      } else if (kind < 4) {
        lines.add(i + ",," + label); // empty text
        malformed++;
      } else if (kind < 5) {
        lines.add(i + "," + text + ",unknown-label");
        malformed++;
      } else {
        lines.add(i + "," + text + "," + label);
      }
    }
    Path raw = dir.resolve("raw.csv");
    write(raw, lines);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("records", lines.size() - 1);
    m.put("malformed_planted", malformed);
    return new Result("ingested " + (lines.size() - 1) + " raw records into " + raw, m, raw);
  }

  private static Result clean(Path dir) {
    List<String> in = read(dir.resolve("raw.csv"));
    List<String> out = new ArrayList<>();
    out.add(HEADER);
    int dropped = 0;
    for (String line : in.subList(1, in.size())) {
      String[] f = line.split(",", -1);
      if (f.length != 3 || f[1].isBlank() || !LABELS.contains(f[2].strip())) {
        dropped++;
        continue;
      }
      String text = f[1].strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
      out.add(f[0].strip() + "," + text + "," + f[2].strip());
    }
    write(dir.resolve("clean.csv"), out);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kept", out.size() - 1);
    m.put("dropped", dropped);
    return new Result(
        "kept " + (out.size() - 1) + " records, dropped " + dropped + " malformed", m, null);
  }

  private static Result deduplicate(Path dir) {
    List<String> in = read(dir.resolve("clean.csv"));
    List<String> out = new ArrayList<>();
    out.add(HEADER);
    Set<String> seen = new HashSet<>();
    int removed = 0;
    for (String line : in.subList(1, in.size())) {
      String text = line.split(",", -1)[1];
      if (seen.add(text)) {
        out.add(line);
      } else {
        removed++;
      }
    }
    write(dir.resolve("dedup.csv"), out);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kept", out.size() - 1);
    m.put("duplicates_removed", removed);
    return new Result("removed " + removed + " duplicates, " + (out.size() - 1) + " left", m, null);
  }

  private static Result validate(Path dir) {
    List<String> in = read(dir.resolve("dedup.csv"));
    if (in.isEmpty() || !in.get(0).equals(HEADER)) {
      throw new IllegalStateException("dedup.csv has no header '" + HEADER + "'");
    }
    Set<String> ids = new HashSet<>();
    Set<String> texts = new HashSet<>();
    Map<String, Object> counts = new LinkedHashMap<>();
    for (String line : in.subList(1, in.size())) {
      String[] f = line.split(",", -1);
      if (f.length != 3 || f[1].isBlank() || !LABELS.contains(f[2])) {
        throw new IllegalStateException("Invalid record after cleaning: '" + line + "'");
      }
      if (!ids.add(f[0]) || !texts.add(f[1])) {
        throw new IllegalStateException("Duplicate record after deduplication: '" + line + "'");
      }
      counts.merge(f[2], 1, (a, b) -> (Integer) a + (Integer) b);
    }
    if (ids.isEmpty()) {
      throw new IllegalStateException("The curated set is empty");
    }
    Path curated = dir.resolve("curated.csv");
    write(curated, in);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("records", ids.size());
    m.putAll(counts);
    return new Result(
        "validated " + ids.size() + " records (unique ids and texts, known labels)" + " into "
            + curated,
        m,
        curated);
  }

  private static List<String> read(Path p) {
    try {
      return Files.readAllLines(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read " + p + " (did the previous stage run?): " + e.getMessage(), e);
    }
  }

  private static void write(Path p, List<String> lines) {
    try {
      Files.createDirectories(p.getParent());
      Files.write(p, lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + p + ": " + e.getMessage(), e);
    }
  }
}
