package io.nemospawn.benchmarks;

import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.LearningCurves;
import io.nemospawn.hpo.Pruner;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Sampler;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sections of the HPO quality report about running HPO with a team of agents (docs/hpo.md,
 * "HPO beyond Optuna"): pruning on the two kinds of learning curves under a 5,000-step budget,
 * multivariate TPE on problems with interacting parameters, and 1, 4 and 16 concurrent workers
 * with and without the constant liar. Medians [quartiles] over seeds, two-sided Mann-Whitney U
 * tests (normal approximation with tie correction) against the baseline named in each table, and
 * Optuna 3.1 (Debian's {@code python3-optuna}) run on the same problems. Writes SVG box plots to
 * a directory when given one.
 *
 * <p>Run: {@code java -cp nemospawn-benchmarks/target/benchmarks.jar
 * io.nemospawn.benchmarks.HpoQualityReport agents [seeds=30] [optunaSeeds=30] [svgDir]}; {@code
 * agents 5 0} is the quick check. {@code -Dhpo.sections=pruning,interacting,concurrent} picks
 * sections (run them as parallel JVMs on a loaded machine); {@code longer} (not a default section)
 * compares univariate and multivariate TPE on valley4 up to 200 trials.
 */
final class HpoAgentsQuality {
  static final int BUDGET = 5_000;
  static final int CURVE_STEPS = 100;
  static final int INTERACTING_TRIALS = 60;
  static final int CONCURRENT_TRIALS = 100;

  private final int seeds;
  private final int optunaSeeds;
  private final @Nullable Path script;
  private final @Nullable Path svgDir;

  HpoAgentsQuality(int seeds, int optunaSeeds, @Nullable Path script, @Nullable Path svgDir) {
    this.seeds = seeds;
    this.optunaSeeds = script == null ? 0 : optunaSeeds;
    this.script = script;
    this.svgDir = svgDir;
  }

  /** Optuna runs, started at once in parallel with ours (they take most of the time). */
  private final Map<String, java.util.concurrent.Future<List<JsonNode>>> optunaRuns =
      new LinkedHashMap<>();

  private final java.util.concurrent.ExecutorService pool =
      java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "optuna");
        t.setDaemon(true);
        return t;
      });

  private void start(String... args) {
    optunaRuns.put(String.join(" ", args), pool.submit(() -> runOptuna(args)));
  }

  void run() throws Exception {
    if (svgDir != null) {
      Files.createDirectories(svgDir);
    }
    List<String> sections = List.of(
        System.getProperty("hpo.sections", "pruning,interacting,concurrent").split(","));
    if (optunaSeeds > 0) {
      String n = Integer.toString(optunaSeeds);
      for (LearningCurves kind :
          sections.contains("pruning") ? LearningCurves.values() : new LearningCurves[0]) {
        start(
            "curves",
            kind.name().toLowerCase(Locale.ROOT),
            "0",
            n,
            Integer.toString(BUDGET),
            "asha");
      }
      for (Problem p :
          sections.contains("interacting") ? interactingProblems() : List.<Problem>of()) {
        start("interacting", p.name(), "0", n, Integer.toString(INTERACTING_TRIALS));
      }
      for (String p :
          sections.contains("concurrent") ? List.of("branin", "valley4") : List.<String>of()) {
        for (String w : List.of("4", "16")) {
          start("concurrent", p, "0", n, Integer.toString(CONCURRENT_TRIALS), w);
        }
      }
    }
    if (sections.contains("pruning")) {
      pruning();
    }
    if (sections.contains("interacting")) {
      interacting();
    }
    if (sections.contains("concurrent")) {
      concurrent();
    }
    if (sections.contains("longer")) {
      longer();
    }
  }

  // ---- pruning under a step budget

  /** Runs curves of one kind through a pruner until the budget is spent; returns best final. */
  static double budgetRun(LearningCurves kind, long seed, Pruner pruner, int[] trialsOut) {
    SplittableRandom rng = new SplittableRandom(seed);
    Study s = Hpo.study("curves").sampler(Samplers.random(seed)).pruner(pruner).create();
    int used = 0;
    double best = Double.POSITIVE_INFINITY;
    int trials = 0;
    while (used < BUDGET) {
      double[] c = kind.curve(rng, CURVE_STEPS);
      Trial t = s.ask();
      trials++;
      TrialState end = TrialState.COMPLETE;
      for (int k = 0; k < c.length; k++) {
        if (used >= BUDGET) {
          end = TrialState.FAIL; // the budget ran out mid-curve: no final value
          break;
        }
        used++;
        t.report(k + 1, c[k]);
        if (t.shouldPrune()) {
          end = TrialState.PRUNED;
          break;
        }
      }
      if (end == TrialState.COMPLETE) {
        s.tell(t, c[c.length - 1]);
        best = Math.min(best, c[c.length - 1]);
      } else {
        s.tell(t, end);
      }
    }
    trialsOut[0] = trials;
    return best;
  }

  private void pruning() throws Exception {
    Map<String, Supplier<Pruner>> pruners = new LinkedHashMap<>();
    pruners.put("none", Pruners::none);
    pruners.put("ASHA (ours, auto, eta 4)", () -> Pruners.successiveHalving().build());
    pruners.put("rank-checked ASHA (new)", () -> Pruners.rankCheckedHalving().build());
    System.out.println("Pruning on synthetic learning curves (100 steps each, random sampler),"
        + " budget " + BUDGET + " steps per run: best final value of a COMPLETE trial.");
    System.out.println();
    System.out.println("| curves | pruner | seeds | trials run (median) | best final value, median"
        + " [quartiles] | vs none: p | vs ASHA (ours): p |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (LearningCurves kind : LearningCurves.values()) {
      Map<String, double[]> results = new LinkedHashMap<>();
      for (var e : pruners.entrySet()) {
        double[] best = new double[seeds];
        double[] trials = new double[seeds];
        for (int seed = 0; seed < seeds; seed++) {
          int[] n = new int[1];
          best[seed] = budgetRun(kind, seed, e.getValue().get(), n);
          trials[seed] = n[0];
        }
        results.put(e.getKey(), best);
        pruneRow(kind, e.getKey(), best, trials, results);
      }
      if (optunaSeeds > 0) {
        for (String mode : List.of("asha")) {
          List<JsonNode> rows = optuna(
              "curves",
              kind.name().toLowerCase(Locale.ROOT),
              "0",
              Integer.toString(optunaSeeds),
              Integer.toString(BUDGET),
              mode);
          double[] best =
              rows.stream().mapToDouble(n -> n.get("best").asDouble()).toArray();
          double[] trials =
              rows.stream().mapToDouble(n -> n.get("trials").asDouble()).toArray();
          String name = mode.equals("asha") ? "Optuna 3.1 ASHA" : "Optuna 3.1 none";
          results.put(name, best);
          pruneRow(kind, name, best, trials, results);
        }
      }
      svg(
          "pruning-" + kind.name().toLowerCase(Locale.ROOT),
          "best final value, " + kind.description() + " (" + BUDGET + "-step budget)",
          results);
    }
    System.out.println();
  }

  private static void pruneRow(
      LearningCurves kind,
      String name,
      double[] best,
      double[] trials,
      Map<String, double[]> results) {
    double[] none = results.get("none");
    double[] asha = results.get("ASHA (ours, auto, eta 4)");
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %d | %.0f | %s | %s | %s |%n",
        kind.name().toLowerCase(Locale.ROOT),
        name,
        best.length,
        median(trials),
        summary(best),
        none == null || none == best ? "" : p(best, none),
        asha == null || asha == best ? "" : p(best, asha));
    System.out.flush();
  }

  // ---- interacting parameters

  /** A problem with interacting parameters, define-by-run (its space may be empty). */
  record Problem(String name, SearchSpace space, ToDoubleFunction<Trial> f) {}

  static List<Problem> interactingProblems() {
    SearchSpace valley = SearchSpace.builder()
        .floatParam("x0", -2, 2)
        .floatParam("x1", -2, 2)
        .floatParam("x2", -2, 2)
        .floatParam("x3", -2, 2)
        .build();
    return List.of(
        new Problem("valley4", valley, t -> {
          double[] x = new double[4];
          for (int i = 0; i < 4; i++) {
            x[i] = t.doubleParam("x" + i);
          }
          double v = Math.pow((x[0] + x[1] + x[2] + x[3]) / 4 - 1, 2);
          for (int i = 0; i < 3; i++) {
            v += 100 * Math.pow(x[i + 1] - x[i], 2);
          }
          return v;
        }),
        new Problem("branches", SearchSpace.empty(), HpoAgentsQuality::branches));
  }

  /** Conditional space: a model choice, then two or three interacting parameters of it. */
  static double branches(Trial t) {
    if (t.suggestCategorical("model", "a", "b").equals("a")) {
      double a1 = t.suggestFloat("a1", -2, 2);
      double a2 = t.suggestFloat("a2", -2, 2);
      return 20 * Math.pow(a1 - a2, 2) + Math.pow(a1 + a2 - 1, 2);
    }
    double b1 = t.suggestFloat("b1", 0, 1);
    double b2 = t.suggestFloat("b2", 0, 1);
    double b3 = t.suggestFloat("b3", 0, 1);
    return 0.3 + 20 * Math.pow(b1 - b2, 2) + 20 * Math.pow(b2 - b3, 2) + Math.pow(b1 - 0.2, 2);
  }

  static double[] bestSoFar(Problem p, Sampler sampler, int trials, int workers) {
    Study s = Hpo.study(p.name())
        .space(p.space())
        .sampler(sampler)
        .pruner(Pruners.none())
        .create();
    double[] best = new double[trials];
    double b = Double.POSITIVE_INFINITY;
    Deque<Trial> pending = new ArrayDeque<>();
    Deque<Double> values = new ArrayDeque<>();
    int told = 0;
    while (told < trials) {
      while (pending.size() < workers && told + pending.size() < trials) {
        Trial t = s.ask();
        pending.add(t);
        values.add(p.f().applyAsDouble(t));
      }
      Trial t = pending.removeFirst();
      double v = values.removeFirst();
      s.tell(t, v);
      b = Math.min(b, v);
      best[told++] = b;
    }
    return best;
  }

  private void interacting() throws Exception {
    Map<String, LongFunction<Sampler>> samplers = new LinkedHashMap<>();
    samplers.put("TPE univariate (ours)", s -> Samplers.tpe().seed(s).build());
    samplers.put(
        "TPE multivariate (ours)",
        s -> Samplers.tpe().seed(s).multivariate(true).build());
    samplers.put(
        "TPE multivariate + group (new)",
        s -> Samplers.tpe().seed(s).multivariate(true).group(true).build());
    samplers.put("random", Samplers::random);
    System.out.println("Interacting parameters: best value after " + INTERACTING_TRIALS
        + " trials (valley4: 4 floats in a narrow rotated valley; branches: a model choice and"
        + " 2 or 3 interacting floats of that model, define-by-run). Optimum 0.");
    System.out.println();
    System.out.println("| problem | sampler | seeds | best @" + INTERACTING_TRIALS
        + " median [quartiles] | vs TPE univariate: p |");
    System.out.println("|---|---|---|---|---|");
    for (Problem p : interactingProblems()) {
      Map<String, double[]> results = new LinkedHashMap<>();
      for (var e : samplers.entrySet()) {
        double[] best = new double[seeds];
        for (int seed = 0; seed < seeds; seed++) {
          double[] traj = bestSoFar(p, e.getValue().apply(seed), INTERACTING_TRIALS, 1);
          best[seed] = traj[INTERACTING_TRIALS - 1];
        }
        results.put(e.getKey(), best);
        samplerRow(p.name(), e.getKey(), best, results.get("TPE univariate (ours)"));
      }
      if (optunaSeeds > 0) {
        double[] best = last(optuna(
            "interacting",
            p.name(),
            "0",
            Integer.toString(optunaSeeds),
            Integer.toString(INTERACTING_TRIALS)));
        results.put("Optuna 3.1 multivariate + group", best);
        samplerRow(
            p.name(),
            "Optuna 3.1 multivariate + group",
            best,
            results.get("TPE multivariate + group (new)"));
      }
      svg(
          "interacting-" + p.name(),
          "best after " + INTERACTING_TRIALS + " trials, " + p.name(),
          results);
    }
    System.out.println("(The Optuna row's p is against our multivariate + group TPE.)");
    System.out.println();
  }

  private static void samplerRow(
      String problem, String name, double[] best, double @Nullable [] base) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %d | %s | %s |%n",
        problem,
        name,
        best.length,
        summary(best),
        base == null || base == best ? "" : p(best, base));
    System.out.flush();
  }

  // ---- interacting parameters, more trials (not in the default sections)

  static final int[] LONGER_CHECKPOINTS = {60, 100, 200};

  /**
   * Univariate against multivariate TPE on valley4 at 60, 100 and 200 trials, ours and Optuna
   * 3.1's ({@code -Dhpo.sections=longer}; Optuna at 200 trials takes minutes per seed on a loaded
   * machine, so pass fewer Optuna seeds).
   */
  private void longer() throws Exception {
    Problem valley = interactingProblems().get(0);
    int trials = LONGER_CHECKPOINTS[LONGER_CHECKPOINTS.length - 1];
    Map<String, LongFunction<Sampler>> samplers = new LinkedHashMap<>();
    samplers.put("TPE univariate (ours)", s -> Samplers.tpe().seed(s).build());
    samplers.put(
        "TPE multivariate + group (ours)",
        s -> Samplers.tpe().seed(s).multivariate(true).group(true).build());
    Map<String, double[][]> results = new LinkedHashMap<>();
    for (var e : samplers.entrySet()) {
      double[][] best = new double[LONGER_CHECKPOINTS.length][seeds];
      for (int seed = 0; seed < seeds; seed++) {
        double[] traj = bestSoFar(valley, e.getValue().apply(seed), trials, 1);
        for (int c = 0; c < LONGER_CHECKPOINTS.length; c++) {
          best[c][seed] = traj[LONGER_CHECKPOINTS[c] - 1];
        }
      }
      results.put(e.getKey(), best);
    }
    if (optunaSeeds > 0) {
      for (String mode : List.of("univariate", "multivariate")) {
        List<JsonNode> rows = optuna(
            "interacting",
            valley.name(),
            "0",
            Integer.toString(optunaSeeds),
            Integer.toString(trials),
            mode);
        double[][] best = new double[LONGER_CHECKPOINTS.length][];
        for (int c = 0; c < LONGER_CHECKPOINTS.length; c++) {
          int at = LONGER_CHECKPOINTS[c] - 1;
          best[c] =
              rows.stream().mapToDouble(n -> n.get("best").get(at).asDouble()).toArray();
        }
        results.put("Optuna 3.1 " + mode + (mode.equals("multivariate") ? " + group" : ""), best);
      }
    }
    System.out.println("Valley4 with more trials: best value after 60, 100 and 200 trials; p of"
        + " multivariate against univariate of the same implementation.");
    System.out.println();
    System.out.println(
        "| sampler | seeds | best @60 | best @100 | best @200 | multi vs uni: p @60, @100,"
            + " @200 |");
    System.out.println("|---|---|---|---|---|---|");
    double[][] base = null;
    for (var e : results.entrySet()) {
      double[][] b = e.getValue();
      boolean uni = e.getKey().contains("univariate");
      if (uni) {
        base = b;
      }
      StringBuilder ps = new StringBuilder();
      for (int c = 0; c < b.length && !uni && base != null; c++) {
        ps.append(c == 0 ? "" : ", ").append(p(b[c], base[c]));
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %s | %s | %s | %s |%n",
          e.getKey(),
          b[0].length,
          summary(b[0]),
          summary(b[1]),
          summary(b[2]),
          ps);
      System.out.flush();
    }
    System.out.println();
  }

  // ---- concurrent workers

  private void concurrent() throws Exception {
    Problem branin = new Problem(
        "branin",
        SearchSpace.builder().floatParam("x1", -5, 10).floatParam("x2", 0, 15).build(),
        t -> {
          double x1 = t.doubleParam("x1");
          double x2 = t.doubleParam("x2");
          double b = 5.1 / (4 * Math.PI * Math.PI);
          double c = 5 / Math.PI;
          double tt = 1 / (8 * Math.PI);
          return Math.pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - tt) * Math.cos(x1) + 10;
        });
    List<Problem> problems = List.of(branin, interactingProblems().get(0));
    System.out.println("Concurrent workers: best value after " + CONCURRENT_TRIALS
        + " trials when W workers each hold a running trial (a worker tells its trial, then"
        + " asks the next; the oldest finishes first). Branin's optimum is 0.3979.");
    System.out.println();
    System.out.println("| problem | workers | sampler | seeds | best @" + CONCURRENT_TRIALS
        + " median [quartiles] | vs no liar: p | vs 1 worker: p |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Problem p : problems) {
      Map<String, double[]> results = new LinkedHashMap<>();
      double[] oneWorker = null;
      for (int w : new int[] {1, 4, 16}) {
        double[] plain = new double[seeds];
        double[] liar = new double[seeds];
        for (int seed = 0; seed < seeds; seed++) {
          plain[seed] = bestSoFar(p, Samplers.tpe().seed(seed).build(), CONCURRENT_TRIALS, w)[
              CONCURRENT_TRIALS - 1];
          liar[seed] = w == 1
              ? plain[seed]
              : bestSoFar(
                  p, Samplers.tpe().seed(seed).constantLiar(true).build(), CONCURRENT_TRIALS, w)[
                  CONCURRENT_TRIALS - 1];
        }
        if (oneWorker == null) {
          oneWorker = plain;
        }
        if (w == 1) {
          concurrentRow(p.name(), w, "TPE (ours)", plain, null, null);
          results.put("1 worker", plain);
        } else {
          concurrentRow(p.name(), w, "TPE, no liar (ours)", plain, null, oneWorker);
          concurrentRow(p.name(), w, "TPE + constant liar (new)", liar, plain, oneWorker);
          results.put(w + " no liar", plain);
          results.put(w + " liar", liar);
        }
        if (optunaSeeds > 0 && w > 1) {
          double[] o = last(optuna(
              "concurrent",
              p.name(),
              "0",
              Integer.toString(optunaSeeds),
              Integer.toString(CONCURRENT_TRIALS),
              Integer.toString(w)));
          concurrentRow(p.name(), w, "Optuna 3.1 constant liar", o, liar, oneWorker);
          results.put(w + " Optuna liar", o);
        }
      }
      svg(
          "concurrent-" + p.name(),
          "best after " + CONCURRENT_TRIALS + " trials, " + p.name(),
          results);
    }
    System.out.println("(The Optuna rows' \"vs no liar\" p is against our TPE + constant liar.)");
    System.out.println();
  }

  private static void concurrentRow(
      String problem,
      int workers,
      String name,
      double[] best,
      double @Nullable [] vsPlain,
      double @Nullable [] vsOne) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %d | %s | %d | %s | %s | %s |%n",
        problem,
        workers,
        name,
        best.length,
        summary(best),
        vsPlain == null ? "" : p(best, vsPlain),
        vsOne == null ? "" : p(best, vsOne));
    System.out.flush();
  }

  // ---- Optuna

  private List<JsonNode> optuna(String... args) throws Exception {
    var run = optunaRuns.get(String.join(" ", args));
    return run == null ? runOptuna(args) : run.get();
  }

  private List<JsonNode> runOptuna(String... args) throws Exception {
    Path s = script;
    if (s == null) {
      return List.of();
    }
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", s.toString()));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    JsonMapper json = JsonMapper.builder().build();
    List<JsonNode> out = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        out.add(json.readTree(line));
      }
    }
    if (p.waitFor() != 0) {
      throw new IllegalStateException("Optuna script failed: " + String.join(" ", cmd));
    }
    return out;
  }

  private static double[] last(List<JsonNode> rows) {
    return rows.stream()
        .mapToDouble(n -> n.get("best").get(n.get("best").size() - 1).asDouble())
        .toArray();
  }

  // ---- statistics

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return HpoQualityReport.q(s, 0.5);
  }

  static String summary(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return String.format(
        Locale.ROOT,
        "%.4g [%.4g, %.4g]",
        HpoQualityReport.q(s, 0.5),
        HpoQualityReport.q(s, 0.25),
        HpoQualityReport.q(s, 0.75));
  }

  private static String p(double[] a, double[] b) {
    return String.format(Locale.ROOT, "%.3g", mannWhitneyP(a, b));
  }

  /**
   * Two-sided p-value of the Mann-Whitney U test of a against b: normal approximation with
   * continuity and tie corrections (as scipy's {@code mannwhitneyu(method="asymptotic")}).
   */
  static double mannWhitneyP(double[] a, double[] b) {
    int n1 = a.length;
    int n2 = b.length;
    int n = n1 + n2;
    double[] all = new double[n];
    System.arraycopy(a, 0, all, 0, n1);
    System.arraycopy(b, 0, all, n1, n2);
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (x, y) -> Double.compare(all[x], all[y]));
    double[] rank = new double[n];
    double tieSum = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && all[idx[j + 1]] == all[idx[i]]) {
        j++;
      }
      double r = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        rank[idx[k]] = r;
      }
      double t = j - i + 1;
      tieSum += t * t * t - t;
      i = j + 1;
    }
    double r1 = 0;
    for (int k = 0; k < n1; k++) {
      r1 += rank[k];
    }
    double u = r1 - n1 * (n1 + 1) / 2.0;
    double mu = n1 * (double) n2 / 2;
    double sigma = Math.sqrt(n1 * (double) n2 / 12 * ((n + 1) - tieSum / (n * (double) (n - 1))));
    if (sigma == 0) {
      return 1;
    }
    double z = (Math.abs(u - mu) - 0.5) / sigma;
    return Math.min(1, erfc(Math.max(z, 0) / Math.sqrt(2)));
  }

  /** Complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r = t
        * Math.exp(
            -z * z
                - 1.26551223
                + t
                    * (1.00002368
                        + t
                            * (0.37409196
                                + t
                                    * (0.09678418
                                        + t
                                            * (-0.18628806
                                                + t
                                                    * (0.27886807
                                                        + t
                                                            * (-1.13520398
                                                                + t
                                                                    * (1.48851587
                                                                        + t
                                                                            * (-0.82215223
                                                                                + t
                                                                                    * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }

  // ---- plots

  /** Writes a horizontal box plot (quartiles, median, min-max whiskers) of each group. */
  private void svg(String file, String title, Map<String, double[]> groups) throws Exception {
    Path dir = svgDir;
    if (dir == null || groups.isEmpty()) {
      return;
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] v : groups.values()) {
      for (double x : v) {
        if (Double.isFinite(x)) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
      }
    }
    if (!(hi > lo)) {
      hi = lo + 1;
    }
    int left = 230;
    int width = 420;
    int row = 28;
    int height = 50 + row * groups.size() + 30;
    StringBuilder b = new StringBuilder();
    b.append(String.format(
        Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\""
            + " font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
        left + width + 30,
        height));
    b.append(String.format(
        Locale.ROOT, "<text x=\"10\" y=\"20\" font-weight=\"bold\">%s</text>%n", esc(title)));
    int y = 45;
    for (var e : groups.entrySet()) {
      double[] s = e.getValue().clone();
      Arrays.sort(s);
      double[] qs = {
        s[0],
        HpoQualityReport.q(s, 0.25),
        HpoQualityReport.q(s, 0.5),
        HpoQualityReport.q(s, 0.75),
        s[s.length - 1]
      };
      double[] px = new double[5];
      for (int k = 0; k < 5; k++) {
        px[k] = left + (qs[k] - lo) / (hi - lo) * width;
      }
      b.append(String.format(
          Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n"
              + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\"/>%n"
              + "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#9cc3e6\""
              + " stroke=\"#245\"/>%n"
              + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c00\""
              + " stroke-width=\"2\"/>%n",
          left - 8,
          y + 12,
          esc(e.getKey()),
          px[0],
          y + 8,
          px[4],
          y + 8,
          px[1],
          y,
          Math.max(px[3] - px[1], 1),
          px[2],
          y,
          px[2],
          y + 16));
      y += row;
    }
    b.append(String.format(
        Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n"
            + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.4g</text>%n"
            + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.4g</text>%n"
            + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n</svg>%n",
        left,
        y + 4,
        left + width,
        y + 4,
        left,
        y + 18,
        lo,
        left + width,
        y + 18,
        hi,
        left + width / 2,
        y + 18,
        "box: quartiles, red: median, line: min-max over " + seeds + " seeds"));
    Files.writeString(dir.resolve("hpo-" + file + ".svg"), b.toString());
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
