package io.nemospawn.benchmarks;

import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Problems;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Sampler;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.time.Instant;
import java.util.List;
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
 * Measures one {@code ask()} + {@code tell()} on an in-memory Hartmann-6 study (6 float
 * parameters) that already holds {@code trials} complete trials, for TPE (univariate and
 * multivariate, Optuna 3.1 defaults) and random search. The measured {@code tell} marks the trial
 * FAIL, which samplers ignore, so the history they learn from stays at {@code trials} however many
 * operations run (the storage write is the same as for a value); each iteration starts from a
 * fresh copy of the history.
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
   * The problem: hartmann6 (six floats) or mixed (log float, int, log int, categorical, stepped
   * float: the exact-grid path of integers and stepped floats).
   */
  @Param({"hartmann6", "mixed"})
  public String problemName;

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

  @Setup(Level.Trial)
  public void history() {
    problem = Problems.all().stream()
        .filter(p -> p.name().equals(problemName))
        .findFirst()
        .orElseThrow();
    Study s = Hpo.study("h")
        .space(problem.space())
        .sampler(newSampler(1))
        .pruner(Pruners.none())
        .create();
    for (int i = 0; i < trials; i++) {
      Trial t = s.ask();
      s.tell(t, problem.f().applyAsDouble(t));
    }
    history = s.trials();
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
  }

  @Benchmark
  public Trial askTell() {
    Trial t = study.ask();
    problem.f().applyAsDouble(t);
    study.tell(t, TrialState.FAIL);
    return t;
  }
}
