package io.nemospawn.benchmarks;

import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FloatDistribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Problems;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Sampler;
import io.nemospawn.hpo.SamplerContext;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measures one {@code ask()} + {@code tell()} on an in-memory study that already holds {@code
 * trials} complete trials, for TPE (univariate and multivariate, Optuna 3.1 defaults) and random
 * search. The measured {@code tell} marks the trial FAIL, which samplers ignore, so the history
 * they learn from stays at {@code trials} however many operations run (the storage write is the
 * same as for a value). The study starts from a fresh copy of the history at each iteration and
 * after every {@value #FRESH_EVERY} operations (that copy's cost is part of the figure, about 1 %),
 * so the FAIL trials never outnumber the history: otherwise an iteration of 10,000 short
 * operations would measure a study of 10,100 trials, which the storage lists on every ask.
 *
 * <p>The history is a TPE run (seed 1) of the problem for its first {@value #TPE_HISTORY} trials;
 * any further ones (for {@code trials} up to 10,000 and more) are neighbours of those: each copies
 * a trial drawn at random from them, its continuous parameters moved by a normal step of 1 % of
 * their (log) range, its discrete ones kept, and is evaluated. So a history of any size is built
 * in seconds, not by asking TPE 10,000 times, and stays concentrated where TPE searched.
 * {@code scripts/bench.sh tpe} runs Optuna 3.1 on the same problems and checkpoints ({@code
 * optuna_quality.py asktell}) and prints the ratios.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar HpoBenchmark -f 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HpoBenchmark {
  @Param({"100", "1000"})
  public int trials;

  @Param({"tpe", "tpe-multivariate", "random"})
  public String sampler;

  /**
   * The problem: hartmann6 (six floats), mixed (log float, int, log int, categorical, stepped
   * float: the exact-grid path of integers and stepped floats), or one parameter of one type, to
   * see each type's cost: float ([0, 1]), log-float, int, log-int, categorical and stepped-float
   * (those five as in mixed).
   */
  @Param({"hartmann6", "mixed"})
  public String problemName;

  /** How many trials of the history are asked through TPE; the rest are their neighbours. */
  static final int TPE_HISTORY = 1000;

  private Problems problem;
  private List<FrozenTrial> history;
  private Study study;

  private Sampler newSampler(long seed) {
    return switch (sampler) {
      case "tpe" -> Samplers.tpe().seed(seed).build();
      case "tpe-multivariate" -> Samplers.tpe().seed(seed).multivariate(true).build();
      default -> Samplers.random(seed);
    };
  }

  /** The problems of {@link Problems}, and one parameter of each type. */
  static Problems problem(String name) {
    SearchSpace.Builder b = SearchSpace.builder();
    ToDoubleFunction<Trial> f;
    switch (name) {
      case "float" -> {
        b.floatParam("x", 0, 1);
        f = t -> Math.pow(t.doubleParam("x") - 0.3, 2);
      }
      case "log-float" -> {
        b.logFloat("x", 1e-5, 1);
        f = t -> Math.pow(Math.log10(t.doubleParam("x")) + 3, 2);
      }
      case "int" -> {
        b.intParam("x", 1, 10);
        f = t -> Math.pow(t.intParam("x") - 4, 2);
      }
      case "log-int" -> {
        b.logInt("x", 8, 1024);
        f = t -> Math.pow(Math.log(t.intParam("x")) / Math.log(2) - 7, 2);
      }
      case "categorical" -> {
        b.categorical("x", "adam", "sgd", "rmsprop");
        f = t -> switch (t.stringParam("x")) {
          case "adam" -> 0;
          case "rmsprop" -> 0.25;
          default -> 0.5;
        };
      }
      case "stepped-float" -> {
        b.steppedFloat("x", 0, 0.5, 0.05);
        f = t -> Math.pow(t.doubleParam("x") - 0.2, 2);
      }
      default -> {
        return Problems.all().stream()
            .filter(p -> p.name().equals(name))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("No problem " + name));
      }
    }
    return new Problems(name, b.build(), f, 0);
  }

  @Setup(Level.Trial)
  public void history() {
    problem = problem(problemName);
    Neighbours neighbours = new Neighbours(newSampler(1));
    Study s = Hpo.study("h")
        .space(problem.space())
        .sampler(neighbours)
        .pruner(Pruners.none())
        .create();
    for (int i = 0; i < trials; i++) {
      if (i == TPE_HISTORY) {
        neighbours.from(s.trials());
      }
      Trial t = s.ask();
      s.tell(t, problem.f().applyAsDouble(t));
    }
    history = s.trials();
  }

  /**
   * Asks the given sampler, until {@link #from} hands it a history: then each trial is a
   * neighbour of one of it (see the class comment).
   */
  static final class Neighbours implements Sampler {
    private final Sampler first;
    private List<FrozenTrial> base = List.of();

    Neighbours(Sampler first) {
      this.first = first;
    }

    void from(List<FrozenTrial> history) {
      base = List.copyOf(history);
    }

    @Override
    public Map<String, Double> sampleJoint(SamplerContext ctx, SearchSpace space) {
      return base.isEmpty() ? first.sampleJoint(ctx, space) : Map.of();
    }

    @Override
    public double sampleIndependent(SamplerContext ctx, String name, Distribution d) {
      if (base.isEmpty()) {
        return first.sampleIndependent(ctx, name, d);
      }
      // the same base trial for every parameter of one trial; its own steps per parameter
      SplittableRandom rnd = new SplittableRandom(ctx.trialNumber());
      double v = base.get(rnd.nextInt(base.size())).internalValue(name, d);
      if (d instanceof FloatDistribution f && f.step() == 0) {
        rnd = new SplittableRandom(ctx.trialNumber() * 31L + name.hashCode());
        double lo = f.log() ? Math.log(f.low()) : f.low();
        double hi = f.log() ? Math.log(f.high()) : f.high();
        double x = (f.log() ? Math.log(v) : v) + 0.01 * (hi - lo) * rnd.nextGaussian();
        x = Math.min(Math.max(x, lo), hi);
        v = Math.min(Math.max(f.log() ? Math.exp(x) : x, f.low()), f.high());
      }
      return v;
    }
  }

  @Setup(Level.Iteration)
  public void freshCopy() {
    StudyStorage storage = StudyStorage.inMemory();
    study = Hpo.study("h")
        .space(problem.space())
        .storage(storage)
        .sampler(newSampler(2))
        .pruner(Pruners.none())
        .create();
    Instant now = Instant.now();
    for (FrozenTrial t : history) {
      int n = storage.createTrial("h", 0, now);
      storage.setParams("h", n, t.distributions(), t.internalParams());
      storage.finishTrial("h", n, TrialState.COMPLETE, t.rawValue(), now);
    }
    // a live study has its snapshot of unchanged trials cached; so does this copy
    study.trials();
    sinceFresh = 0;
  }

  static final int FRESH_EVERY = 100;

  private int sinceFresh;

  @Benchmark
  public Trial askTell() {
    if (++sinceFresh == FRESH_EVERY) {
      freshCopy();
    }
    Trial t = study.ask();
    problem.f().applyAsDouble(t);
    study.tell(t, TrialState.FAIL);
    return t;
  }
}
