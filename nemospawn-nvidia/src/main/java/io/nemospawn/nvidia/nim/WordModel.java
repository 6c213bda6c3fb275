package io.nemospawn.nvidia.nim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import org.apiguardian.api.API;

/**
 * A small word-level bigram language model with add-one smoothing: trained on the CPU in
 * milliseconds, it is the real model that {@link LocalModelServer} serves. Tokens are the words of
 * the text split on white space; generation samples each next word from the counts that followed
 * the previous one, from a seeded generator, so the output is reproducible.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class WordModel {
  private static final String FILE_HEADER = "nemospawn-word-model 1";

  /** Counts of the words that followed each word, in a stable order. */
  private final Map<String, Map<String, Integer>> next;

  private final List<String> vocabulary;

  private WordModel(Map<String, Map<String, Integer>> next) {
    this.next = next;
    java.util.Set<String> words = new java.util.TreeSet<>(next.keySet());
    next.values().forEach(m -> words.addAll(m.keySet()));
    this.vocabulary = List.copyOf(words);
  }

  /** Returns the corpus shipped with the library: a few hundred words about agent teams. */
  public static String builtInCorpus() {
    try (InputStream in = WordModel.class.getResourceAsStream("corpus.txt")) {
      if (in == null) {
        throw new IllegalStateException("The built-in corpus io/nemospawn/nvidia/nim/corpus.txt is"
            + " missing from the class path; the nemospawn-nvidia jar is incomplete.");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Splits text into tokens: its words, lower case, split on white space. */
  public static List<String> tokens(String text) {
    String t = text.strip().toLowerCase(java.util.Locale.ROOT);
    return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
  }

  /** Trains a model on the text: counts every pair of neighbouring words. */
  public static WordModel train(String text) {
    List<String> words = tokens(text);
    if (words.size() < 2) {
      throw new IllegalArgumentException(
          "Cannot train a word model on fewer than 2 words; got " + words.size());
    }
    Map<String, Map<String, Integer>> next = new TreeMap<>();
    for (int i = 0; i + 1 < words.size(); i++) {
      next.computeIfAbsent(words.get(i), k -> new TreeMap<>())
          .merge(words.get(i + 1), 1, Integer::sum);
    }
    return new WordModel(next);
  }

  /** Returns the number of distinct words the model knows. */
  public int vocabularySize() {
    return vocabulary.size();
  }

  /**
   * Returns the perplexity of the model on the text (add-one smoothed bigram probabilities): how
   * surprised it is by each next word, lower is better; the vocabulary size is the worst a uniform
   * guess would do.
   */
  public double perplexity(String text) {
    List<String> words = tokens(text);
    if (words.size() < 2) {
      throw new IllegalArgumentException("Cannot score fewer than 2 words; got " + words.size());
    }
    double logSum = 0;
    int v = vocabulary.size() + 1;
    for (int i = 0; i + 1 < words.size(); i++) {
      Map<String, Integer> m = next.getOrDefault(words.get(i), Map.of());
      int total = m.values().stream().mapToInt(Integer::intValue).sum();
      double p = (m.getOrDefault(words.get(i + 1), 0) + 1.0) / (total + v);
      logSum += Math.log(p);
    }
    return Math.exp(-logSum / (words.size() - 1));
  }

  /**
   * Generates {@code count} tokens that continue the prompt, from a generator seeded with {@code
   * seed}; after a word with no known successor it starts again from a word of the vocabulary.
   */
  public List<String> generate(String prompt, int count, long seed) {
    if (count < 0) {
      throw new IllegalArgumentException("Token count must be >= 0, got " + count);
    }
    Random r = new Random(seed);
    List<String> p = tokens(prompt);
    String prev = p.isEmpty() ? "the" : p.get(p.size() - 1);
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Map<String, Integer> m = next.get(prev);
      String word;
      if (m == null || m.isEmpty()) {
        word = vocabulary.get(r.nextInt(vocabulary.size()));
      } else {
        int total = m.values().stream().mapToInt(Integer::intValue).sum();
        int pick = r.nextInt(total);
        String chosen = m.keySet().iterator().next();
        for (Map.Entry<String, Integer> e : m.entrySet()) {
          pick -= e.getValue();
          if (pick < 0) {
            chosen = e.getKey();
            break;
          }
        }
        word = chosen;
      }
      out.add(word);
      prev = word;
    }
    return out;
  }

  /** Writes the model: a header line, then one {@code word next count} line per pair. */
  public void write(Path file) {
    StringBuilder b = new StringBuilder(FILE_HEADER).append('\n');
    next.forEach((w, m) -> m.forEach(
        (n, c) -> b.append(w).append('\t').append(n).append('\t').append(c).append('\n')));
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Path tmp = Files.createTempFile(parent, ".model", ".tmp");
      Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
      Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the word model to " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a model written by {@link #write}; a malformed file is refused with its line number. */
  public static WordModel read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read the word model " + file + ": " + e.getMessage(), e);
    }
    if (lines.isEmpty() || !lines.get(0).equals(FILE_HEADER)) {
      throw new IllegalArgumentException("Not a word model: " + file + " does not start with '"
          + FILE_HEADER + "'; give the model file a NemoSpawn builder wrote.");
    }
    Map<String, Map<String, Integer>> next = new TreeMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split("\t", -1);
      int c;
      try {
        c = f.length == 3 ? Integer.parseInt(f[2]) : -1;
      } catch (NumberFormatException e) {
        c = -1;
      }
      if (c <= 0 || f[0].isEmpty() || f[1].isEmpty()) {
        throw new IllegalArgumentException("Malformed word model " + file + " at line " + (i + 1)
            + ": expected 'word<TAB>next<TAB>count' with a positive count");
      }
      next.computeIfAbsent(f[0], k -> new TreeMap<>()).put(f[1], c);
    }
    if (next.isEmpty()) {
      throw new IllegalArgumentException("Empty word model " + file);
    }
    return new WordModel(next);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WordModel w && w.next.equals(next);
  }

  @Override
  public int hashCode() {
    return Objects.hash(next);
  }

  @Override
  public String toString() {
    return "WordModel[" + vocabulary.size() + " words, " + next.size() + " contexts]";
  }
}
