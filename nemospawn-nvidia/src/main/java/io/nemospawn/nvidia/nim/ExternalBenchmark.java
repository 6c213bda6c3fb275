package io.nemospawn.nvidia.nim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs NVIDIA's own load tools, {@code genai-perf} or {@code perf_analyzer}, once per concurrency
 * level and reads their figures into a {@link LoadReport}, as {@link LoadGenerator} would report
 * them. Each run gets an argument vector (never a shell string) and a fresh temporary directory of
 * its own for its output, removed afterwards. A run that fails (a non-zero exit, no output file, a
 * file that is not in the documented form) fails the whole benchmark: no figures come back.
 *
 * <p>The output forms are those the tools document: {@code genai-perf profile} writes {@code
 * profile_export_genai_perf.csv} into {@code --artifact-dir} (a block {@code
 * Metric,avg,min,max,p99,p95,p90,p75,p50,p25} of per-request statistics in milliseconds, a blank
 * line, then a block {@code Metric,Value} with {@code Output Token Throughput (per sec)} (later
 * versions: {@code (tokens/sec)}), {@code Request Throughput (per sec)} and, in later versions,
 * {@code Request Count (count)}; numbers of 1,000 and more are quoted with thousands separators);
 * {@code perf_analyzer -f FILE} writes a CSV whose header names the columns ({@code
 * Concurrency,Inferences/Second,…,p50 latency,p90 latency,p95 latency,p99 latency}, latencies in
 * microseconds).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class ExternalBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The file {@code genai-perf profile} writes into its artifact directory. */
  public static final String GENAI_PERF_CSV = "profile_export_genai_perf.csv";

  /** An external load tool. */
  public enum Tool {
    /** NVIDIA GenAI-Perf ({@code genai-perf profile}): latency, TTFT, ITL, tokens/s. */
    GENAI_PERF("genai-perf"),
    /** Triton's {@code perf_analyzer}: latency percentiles and requests/s only. */
    PERF_ANALYZER("perf_analyzer");

    private final String command;

    Tool(String command) {
      this.command = command;
    }

    /** Returns its command name, {@code genai-perf}. */
    public String command() {
      return command;
    }
  }

  private ExternalBenchmark() {}

  /**
   * Returns the directories searched for the tools: the system property {@code nemospawn.nim.path}
   * (a {@code PATH}-style list, for embedding and tests) when set, else {@code $PATH}.
   */
  public static @Nullable String searchPath() {
    String p = System.getProperty("nemospawn.nim.path");
    return p != null ? p : System.getenv("PATH");
  }

  /**
   * Returns the first executable named {@code tool.command()} in the directories of {@code path}
   * (a {@code PATH} value), if any.
   */
  public static Optional<Path> find(Tool tool, @Nullable String path) {
    if (path == null || path.isEmpty()) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir).resolve(tool.command());
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the argument vector of one level's run.
   *
   * @param exe the tool's executable
   * @param dir the run's own output directory
   */
  public static List<String> argv(
      Tool tool, Path exe, LoadGenerator.Options o, int concurrency, Path dir) {
    String url = o.endpoint().toString();
    int requests = o.requestsAt(concurrency);
    List<String> a = new ArrayList<>();
    a.add(exe.toString());
    if (tool == Tool.GENAI_PERF) {
      a.addAll(List.of(
          "profile",
          "-m",
          o.model(),
          "--service-kind",
          "openai",
          "--endpoint-type",
          o.api() == LoadGenerator.Api.CHAT ? "chat" : "completions",
          "-u",
          url));
      if (o.stream()) {
        a.add("--streaming");
      }
      a.addAll(List.of(
          "--concurrency",
          Integer.toString(concurrency),
          "--request-count",
          Integer.toString(requests),
          "--synthetic-input-tokens-mean",
          Integer.toString(o.inputTokens()),
          "--synthetic-input-tokens-stddev",
          "0",
          "--output-tokens-mean",
          Integer.toString(o.outputTokens()),
          "--output-tokens-stddev",
          "0",
          "--artifact-dir",
          dir.toString()));
    } else {
      a.addAll(List.of(
          "-m",
          o.model(),
          "--service-kind",
          "openai",
          "--endpoint",
          o.api().path().substring(1),
          "-u",
          url,
          "-i",
          "http",
          "--input-data",
          dir.resolve("inputs.json").toString(),
          "--concurrency-range",
          concurrency + ":" + concurrency,
          "--measurement-mode",
          "count_windows",
          "--measurement-request-count",
          Integer.toString(requests)));
      if (o.stream()) {
        a.addAll(List.of("--async", "--streaming"));
      }
      a.addAll(List.of("-f", dir.resolve("perf.csv").toString()));
    }
    return a;
  }

  /**
   * Runs the tool at every level of the options, in order, and returns the report ({@code tool} is
   * the tool's command name).
   *
   * @throws IllegalArgumentException when an API key is set: the tools take it only on their
   *     command line, where any local user could read it
   * @throws IllegalStateException naming the tool, the level and what went wrong when a run fails
   *     or its output is missing or malformed; nothing is returned then
   */
  public static LoadReport run(
      Tool tool, Path exe, LoadGenerator.Options o, LoadGenerator.Progress progress)
      throws InterruptedException {
    if (o.apiKey() != null) {
      throw new IllegalArgumentException(tool.command()
          + " takes an API key only on its command line, where other local users could read it;"
          + " unset the API key or use the built-in load generator");
    }
    List<LoadReport.Level> levels = new ArrayList<>();
    for (int c : o.concurrency()) {
      levels.add(runLevel(tool, exe, o, c));
      progress.update(c, o.requestsAt(c), o.requestsAt(c));
    }
    return new LoadReport(
        o.endpoint().toString(),
        o.api().path(),
        o.stream(),
        o.model(),
        o.inputTokens(),
        o.outputTokens(),
        tool.command(),
        levels);
  }

  private static LoadReport.Level runLevel(
      Tool tool, Path exe, LoadGenerator.Options o, int concurrency) throws InterruptedException {
    Path dir;
    try {
      dir = Files.createTempDirectory(
          "nemospawn-" + tool.command() + "-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot make a directory for " + tool.command() + ": " + e, e);
    }
    try {
      if (tool == Tool.PERF_ANALYZER) {
        writeInputs(o, dir.resolve("inputs.json"));
      }
      List<String> argv = argv(tool, exe, o, concurrency, dir);
      Path log = dir.resolve("output.log");
      ProcessBuilder pb = new ProcessBuilder(argv)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(nullFile()));
      long t0 = System.nanoTime();
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new IllegalStateException(
            "Cannot run " + exe + ": " + e.getMessage() + "; check that it is executable", e);
      }
      Duration limit = limit(o, concurrency);
      boolean ended;
      try {
        ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
      } finally {
        if (p.isAlive()) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (!ended) {
        throw new IllegalStateException(tool.command() + " did not finish concurrency "
            + concurrency + " within " + limit + "; it was stopped and nothing was recorded");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(tool.command() + " failed at concurrency " + concurrency
            + " (exit " + p.exitValue() + "); nothing was recorded. Its last output: "
            + tail(log));
      }
      Path out = dir.resolve(tool == Tool.GENAI_PERF ? GENAI_PERF_CSV : "perf.csv");
      if (!Files.isRegularFile(out)) {
        throw new IllegalStateException(tool.command() + " exited 0 at concurrency " + concurrency
            + " but wrote no " + out.getFileName() + "; nothing was recorded. Its last output: "
            + tail(log));
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      try {
        return tool == Tool.GENAI_PERF
            ? parseGenAiPerfCsv(text, concurrency, o.requestsAt(concurrency), seconds)
            : parsePerfAnalyzerCsv(text, concurrency, o.requestsAt(concurrency), seconds);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(tool.command() + "'s " + out.getFileName()
            + " at concurrency " + concurrency + " is not in the documented form: "
            + e.getMessage() + "; nothing was recorded");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read the output of " + tool.command() + " in " + dir + ": " + e, e);
    } finally {
      deleteTree(dir);
    }
  }

  /** Generous: every request of the level taking its whole timeout, plus five minutes. */
  static Duration limit(LoadGenerator.Options o, int concurrency) {
    long rounds = (o.requestsAt(concurrency) + concurrency - 1) / concurrency;
    return o.timeout().multipliedBy(rounds).plusMinutes(5);
  }

  private static java.io.File nullFile() {
    return new java.io.File(
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win")
            ? "NUL"
            : "/dev/null");
  }

  /** perf_analyzer's OpenAI input data: {@code {"data":[{"payload":[REQUEST]}]}}. */
  private static void writeInputs(LoadGenerator.Options o, Path file) throws IOException {
    List<String> words = WordModel.tokens(WordModel.builtInCorpus());
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < o.inputTokens(); i++) {
      b.append(i == 0 ? "" : " ").append(words.get(i % words.size()));
    }
    ObjectNode root = JSON.createObjectNode();
    ObjectNode req = root.putArray("data").addObject().putArray("payload").addObject();
    req.put("model", o.model());
    if (o.api() == LoadGenerator.Api.CHAT) {
      req.putArray("messages").addObject().put("role", "user").put("content", b.toString());
    } else {
      req.put("prompt", b.toString());
    }
    req.put("max_tokens", o.outputTokens()).put("stream", o.stream());
    Files.write(file, JSON.writeValueAsBytes(root));
  }

  /**
   * Reads genai-perf's {@code profile_export_genai_perf.csv} (see the class comment).
   *
   * @param requests the requests asked of the level
   * @param seconds the run's wall time
   * @throws IllegalArgumentException saying what is missing or malformed
   */
  public static LoadReport.Level parseGenAiPerfCsv(
      String text, int concurrency, int requests, double seconds) {
    Map<String, Map<String, Double>> stats = new HashMap<>();
    Map<String, Double> values = new HashMap<>();
    List<String> header = null;
    for (String line : text.split("\r?\n", -1)) {
      if (line.isBlank()) {
        header = null;
        continue;
      }
      List<String> cells = csv(line);
      if (header == null) {
        header = cells;
        if (!header.get(0).equals("Metric")) {
          throw new IllegalArgumentException(
              "a block starts with '" + shorten(line) + "', not 'Metric,…'");
        }
        continue;
      }
      if (cells.size() != header.size()) {
        throw new IllegalArgumentException("the row '" + shorten(line) + "' has " + cells.size()
            + " cells under a header of " + header.size());
      }
      String name = cells.get(0);
      if (header.size() == 2 && header.get(1).equals("Value")) {
        values.put(name, number(cells.get(1), name));
      } else {
        Map<String, Double> row = new HashMap<>();
        for (int i = 1; i < cells.size(); i++) {
          row.put(header.get(i), number(cells.get(i), name));
        }
        stats.put(name, row);
      }
    }
    Map<String, Double> lat = required(stats, "Request Latency (ms)");
    Map<String, Double> ttft = stats.get("Time To First Token (ms)");
    Map<String, Double> itl = stats.get("Inter Token Latency (ms)");
    double rps = requiredValue(values, "Request Throughput (per sec)");
    Double tps = values.get("Output Token Throughput (per sec)");
    if (tps == null) {
      tps = values.get("Output Token Throughput (tokens/sec)");
    }
    if (tps == null) {
      throw new IllegalArgumentException("no 'Output Token Throughput (per sec)' value");
    }
    Double count = values.get("Request Count (count)");
    int succeeded = count == null ? requests : (int) Math.round(count);
    LoadReport.Figures f = new LoadReport.Figures(
        stat(lat, "p50", "Request Latency (ms)"),
        stat(lat, "p95", "Request Latency (ms)"),
        stat(lat, "p99", "Request Latency (ms)"),
        stat(lat, "avg", "Request Latency (ms)"),
        ttft == null ? Double.NaN : stat(ttft, "p50", "Time To First Token (ms)"),
        ttft == null ? Double.NaN : stat(ttft, "p95", "Time To First Token (ms)"),
        ttft == null ? Double.NaN : stat(ttft, "p99", "Time To First Token (ms)"),
        itl == null ? Double.NaN : stat(itl, "p50", "Inter Token Latency (ms)"),
        itl == null ? Double.NaN : stat(itl, "p99", "Inter Token Latency (ms)"),
        rps,
        tps);
    return new LoadReport.Level(
        concurrency, Math.max(requests, succeeded), succeeded, Map.of(), seconds, f);
  }

  /**
   * Reads perf_analyzer's {@code -f} CSV (see the class comment): the row of the level's
   * concurrency, latencies converted from microseconds to milliseconds. perf_analyzer reports no
   * time to first token, inter-token latency or tokens/s there; those figures are NaN (left out).
   *
   * @throws IllegalArgumentException saying what is missing or malformed
   */
  public static LoadReport.Level parsePerfAnalyzerCsv(
      String text, int concurrency, int requests, double seconds) {
    List<String> lines =
        Stream.of(text.split("\r?\n")).filter(l -> !l.isBlank()).toList();
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("the file is empty");
    }
    List<String> header = csv(lines.get(0));
    int conc = column(header, "Concurrency");
    int ips = column(header, "Inferences/Second");
    int p50 = column(header, "p50 latency");
    int p95 = column(header, "p95 latency");
    int p99 = column(header, "p99 latency");
    int avg = header.indexOf("Avg latency");
    for (String line : lines.subList(1, lines.size())) {
      List<String> cells = csv(line);
      if (cells.size() != header.size()) {
        throw new IllegalArgumentException("the row '" + shorten(line) + "' has " + cells.size()
            + " cells under a header of " + header.size());
      }
      if (number(cells.get(conc), "Concurrency") != concurrency) {
        continue;
      }
      LoadReport.Figures f = new LoadReport.Figures(
          number(cells.get(p50), "p50 latency") / 1000.0,
          number(cells.get(p95), "p95 latency") / 1000.0,
          number(cells.get(p99), "p99 latency") / 1000.0,
          avg < 0 ? Double.NaN : number(cells.get(avg), "Avg latency") / 1000.0,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          number(cells.get(ips), "Inferences/Second"),
          Double.NaN);
      return new LoadReport.Level(concurrency, requests, requests, Map.of(), seconds, f);
    }
    throw new IllegalArgumentException("no row for concurrency " + concurrency);
  }

  private static int column(List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no '" + name + "' column in the header " + header);
    }
    return i;
  }

  private static Map<String, Double> required(Map<String, Map<String, Double>> stats, String n) {
    Map<String, Double> m = stats.get(n);
    if (m == null) {
      throw new IllegalArgumentException("no '" + n + "' row");
    }
    return m;
  }

  private static double requiredValue(Map<String, Double> values, String n) {
    Double v = values.get(n);
    if (v == null) {
      throw new IllegalArgumentException("no '" + n + "' value");
    }
    return v;
  }

  private static double stat(Map<String, Double> row, String col, String name) {
    Double v = row.get(col);
    if (v == null) {
      throw new IllegalArgumentException("no '" + col + "' column for '" + name + "'");
    }
    return v;
  }

  private static double number(String cell, String what) {
    String c = cell.strip().replace(",", "");
    try {
      double v = Double.parseDouble(c);
      if (!Double.isFinite(v) || v < 0) {
        throw new NumberFormatException("not a finite non-negative number");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + shorten(cell) + "' in '" + what + "' is not a number");
    }
  }

  /** Splits one CSV line (RFC 4180 quotes, {@code ""} inside quotes). */
  static List<String> csv(String line) {
    List<String> cells = new ArrayList<>();
    StringBuilder b = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          b.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          b.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        cells.add(b.toString());
        b.setLength(0);
      } else {
        b.append(ch);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("an unclosed quote in '" + shorten(line) + "'");
    }
    cells.add(b.toString());
    return cells;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
      String t = String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
      return t.isBlank() ? "(none)" : shorten(t);
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort: a temporary directory
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }

  /** Keeps quoted output short; the CLI neutralises control characters when it prints. */
  private static String shorten(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
