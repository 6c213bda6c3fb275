package io.nemospawn.benchmarks;

import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Problems;
import io.nemospawn.hpo.Pruner;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Sampler;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prints the HPO quality report of docs/hpo.md as Markdown: best value after 25/50/100 trials
 * per problem (median [quartiles] over seeds) for our samplers and, when Debian's {@code
 * python3-optuna} is installed, Optuna 3.1's TPE; then steps saved by the pruners on synthetic
 * learning curves.
 *
 * <p>Also prints the CPU time of one ask+tell at trial 100 and 1,000 (Hartmann-6, thread CPU time,
 * so a loaded machine inflates it less than wall time), and Optuna's with {@code optunaTiming}.
 *
 * <p>Run: {@code java -cp nemospawn-benchmarks/target/benchmarks.jar
 * io.nemospawn.benchmarks.HpoQualityReport [seeds=30] [optunaSeeds=10] [optunaTiming=true]}; with
 * first argument {@code agents} it prints the sections on agents instead ({@link
 * HpoAgentsQuality}: pruning under a step budget, interacting parameters, concurrent workers).
 */
public final class HpoQualityReport {
  private static final int TRIALS = 100;
  private static final int[] CHECKPOINTS = {25, 50, 100};

  private HpoQualityReport() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("agents")) {
      new HpoAgentsQuality(
              args.length > 1 ? Integer.parseInt(args[1]) : 30,
              args.length > 2 ? Integer.parseInt(args[2]) : 30,
              optunaScript(),
              args.length > 3 ? Path.of(args[3]) : null)
          .run();
      return;
    }
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int optunaSeeds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    boolean optunaTiming = args.length <= 2 || Boolean.parseBoolean(args[2]);
    Map<String, LongFunction<Sampler>> samplers = new LinkedHashMap<>();
    samplers.put("TPE (Optuna 3.1 defaults)", s -> Samplers.tpe().seed(s).build());
    samplers.put(
        "TPE, true density", s -> Samplers.tpe().seed(s).optuna31Density(false).build());
    samplers.put(
        "TPE multivariate", s -> Samplers.tpe().seed(s).multivariate(true).build());
    samplers.put("genetic (Jenetics)", s -> Samplers.genetic().seed(s).build());
    samplers.put("random", Samplers::random);
    Path script = optunaScript();
    timing(script, optunaTiming);
    System.out.println("| problem | sampler | seeds | best @25 | best @50 | best @100 |");
    System.out.println("|---|---|---|---|---|---|");
    for (Problems p : Problems.all()) {
      for (var e : samplers.entrySet()) {
        double[][] traj = new double[seeds][];
        for (int seed = 0; seed < seeds; seed++) {
          traj[seed] = p.bestSoFar(e.getValue().apply(seed), TRIALS);
        }
        row(p.name(), e.getKey(), traj);
      }
      if (script != null && optunaSeeds > 0) {
        row(p.name(), "Optuna 3.1 TPE", optuna(script, p.name(), optunaSeeds));
      }
    }
    System.out.println();
    pruners(seeds);
  }

  private static void timing(@Nullable Path script, boolean optuna) throws Exception {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    Problems p = Problems.all().get(1);
    System.out.println("| sampler | CPU ms per ask+tell at trial 100 | at trial 1,000 |");
    System.out.println("|---|---|---|");
    Map<String, LongFunction<Sampler>> samplers = new LinkedHashMap<>();
    samplers.put("TPE (ours)", s -> Samplers.tpe().seed(s).build());
    samplers.put(
        "TPE multivariate (ours)",
        s -> Samplers.tpe().seed(s).multivariate(true).build());
    samplers.put("random (ours)", Samplers::random);
    for (var e : samplers.entrySet()) {
      double[] at = new double[2];
      for (int run = 0; run < 2; run++) { // the first run warms the JIT up
        Study s = Hpo.study("t")
            .space(p.space())
            .sampler(e.getValue().apply(run))
            .pruner(Pruners.none())
            .create();
        long at100 = 0;
        long at1000 = 0;
        for (int i = 0; i < 1000; i++) {
          long c0 = mx.getCurrentThreadCpuTime();
          Trial t = s.ask();
          s.tell(t, p.f().applyAsDouble(t));
          long c = mx.getCurrentThreadCpuTime() - c0;
          at100 += i >= 90 && i < 110 ? c : 0;
          at1000 += i >= 980 ? c : 0;
        }
        at[0] = at100 / 20 / 1e6;
        at[1] = at1000 / 20 / 1e6;
      }
      System.out.printf("| %s | %.3f | %.3f |%n", e.getKey(), at[0], at[1]);
    }
    if (script != null && optuna) {
      Process proc = new ProcessBuilder("/usr/bin/python3", script.toString(), "timing", "1000")
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      JsonNode n = JsonMapper.builder()
          .build()
          .readTree(new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      proc.waitFor();
      System.out.printf(
          "| Optuna 3.1 TPE | %.3f | %.3f |%n",
          n.get("cpu_ms_at_100").asDouble(), n.get("cpu_ms_at_1000").asDouble());
    }
    System.out.println();
  }

  private static void row(String problem, String sampler, double[][] traj) {
    StringBuilder b = new StringBuilder("| " + problem + " | " + sampler + " | " + traj.length);
    for (int c : CHECKPOINTS) {
      double[] v = new double[traj.length];
      for (int i = 0; i < traj.length; i++) {
        v[i] = traj[i][c - 1];
      }
      Arrays.sort(v);
      b.append(String.format(" | %.4g [%.4g, %.4g]", q(v, 0.5), q(v, 0.25), q(v, 0.75)));
    }
    System.out.println(b.append(" |"));
    System.out.flush();
  }

  /** Linear-interpolated quantile of sorted values (numpy's default). */
  static double q(double[] sorted, double p) {
    double pos = p * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  /** Returns the Optuna oracle script, or null where Debian's python3 has no optuna. */
  private static @Nullable Path optunaScript() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    if (!Files.isExecutable(python)) {
      return null;
    }
    Process check = new ProcessBuilder(python.toString(), "-c", "import optuna").start();
    if (check.waitFor() != 0) {
      return null;
    }
    Path script = Files.createTempFile("optuna_quality", ".py");
    try (InputStream in = HpoQualityReport.class.getResourceAsStream("/hpo/optuna_quality.py")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    script.toFile().deleteOnExit();
    return script;
  }

  private static double[][] optuna(Path script, String problem, int seeds) throws Exception {
    Process p = new ProcessBuilder(
            "/usr/bin/python3",
            script.toString(),
            "quality",
            problem,
            "0",
            Integer.toString(seeds),
            Integer.toString(TRIALS))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    JsonMapper json = JsonMapper.builder().build();
    List<double[]> out = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        JsonNode n = json.readTree(line).get("best");
        double[] t = new double[n.size()];
        for (int i = 0; i < t.length; i++) {
          t[i] = n.get(i).asDouble();
        }
        out.add(t);
      }
    }
    p.waitFor();
    return out.toArray(new double[0][]);
  }

  private static void pruners(int seeds) {
    Map<String, java.util.function.Supplier<Pruner>> pruners = new LinkedHashMap<>();
    pruners.put("none", Pruners::none);
    pruners.put("ASHA (auto, eta 4)", () -> Pruners.successiveHalving().build());
    pruners.put("Hyperband (eta 3)", () -> Pruners.hyperband().build());
    pruners.put("median", Pruners::median);
    int trials = 200;
    int steps = 100;
    System.out.println(
        "| pruner | seeds | steps used (median) | saved | regret of best final value (median [max]) |");
    System.out.println("|---|---|---|---|---|");
    for (var e : pruners.entrySet()) {
      double[] used = new double[seeds];
      double[] regret = new double[seeds];
      for (int seed = 0; seed < seeds; seed++) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] curves = new double[trials][steps];
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < trials; i++) {
          double fin = rng.nextDouble();
          double start = 1 + fin + rng.nextDouble();
          double tau = 5 + rng.nextDouble() * 20;
          double noise = 0.02;
          for (int k = 0; k < steps; k++) {
            curves[i][k] =
                fin + (start - fin) * Math.exp(-(k + 1) / tau) + noise * rng.nextGaussian();
          }
          best = Math.min(best, curves[i][steps - 1]);
        }
        Study s = Hpo.study("curves")
            .sampler(Samplers.random(seed))
            .pruner(e.getValue().get())
            .create();
        long u = 0;
        for (double[] c : curves) {
          Trial t = s.ask();
          int k = 0;
          boolean pruned = false;
          for (; k < steps; k++) {
            t.report(k + 1, c[k]);
            if (t.shouldPrune()) {
              pruned = true;
              break;
            }
          }
          u += pruned ? k + 1 : steps;
          if (pruned) {
            s.tell(t, TrialState.PRUNED);
          } else {
            s.tell(t, c[steps - 1]);
          }
        }
        used[seed] = u;
        regret[seed] = s.bestTrial().rawValue() - best;
      }
      Arrays.sort(used);
      Arrays.sort(regret);
      System.out.printf(
          "| %s | %d | %.0f of %d | %.1f %% | %.4f [%.4f] |%n",
          e.getKey(),
          seeds,
          q(used, 0.5),
          trials * steps,
          100 * (1 - q(used, 0.5) / (trials * steps)),
          q(regret, 0.5),
          regret[regret.length - 1]);
    }
  }
}
