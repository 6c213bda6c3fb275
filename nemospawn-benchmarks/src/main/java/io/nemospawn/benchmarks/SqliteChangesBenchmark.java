package io.nemospawn.benchmarks;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.hpo.sqlite.SqliteStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What ASHA's check reads from an SQLite study after one report, in a study of {@code trials}
 * finished trials (10 reports each) and one running trial (up to {@value #STEPS} reports): {@code
 * changesSince} (the trial that changed, from the change log that triggers keep) against {@code
 * trials} (every trial, which the check read before the log). Each operation is the report (one
 * write transaction) plus the read. The database is on {@code /dev/shm} where it exists, so the
 * disk's flushes stay out of the figure.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar SqliteChangesBenchmark -f 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SqliteChangesBenchmark {
  @Param({"100", "1000", "10000"})
  public int trials;

  private Path dir;
  private StudyStorage storage;
  private int running;
  private int step;
  private StudyStorage.Changes last;

  @Setup(Level.Trial)
  public void history() throws IOException {
    Path shm = Path.of("/dev/shm");
    dir = Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "nemospawn-sqlite-")
        : Files.createTempDirectory("nemospawn-sqlite-");
    storage = SqliteStorage.open(dir.resolve("s.db"));
    storage.createStudy("s", Direction.MINIMIZE, Map.of());
    for (int i = 0; i < trials; i++) {
      int n = storage.createTrial("s", 0, Instant.EPOCH);
      for (int s = 1; s <= 10; s++) {
        storage.reportIntermediate("s", n, s, 1.0 / s + i * 1e-6);
      }
      storage.finishTrial("s", n, TrialState.COMPLETE, 0.1 + i * 1e-6, Instant.EPOCH);
    }
    running = storage.createTrial("s", 0, Instant.EPOCH);
    last = storage.changesSince("s", null);
  }

  @TearDown(Level.Trial)
  public void remove() throws IOException {
    storage.close();
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  /** One report, then the trials changed since the previous call: the one just reported. */
  @Benchmark
  public List<FrozenTrial> reportThenChanges() {
    report();
    last = storage.changesSince("s", last);
    return last.trials();
  }

  /** One report, then every trial of the study. */
  @Benchmark
  public List<FrozenTrial> reportThenEveryTrial() {
    report();
    return storage.trials("s");
  }

  /**
   * Reports the next step of the running trial; after {@value #STEPS} steps it is finished and the
   * next one created (one in {@value #STEPS} operations), so every trial read has a realistic
   * length and the study grows by one trial per {@value #STEPS} operations.
   */
  private void report() {
    if (step == STEPS) {
      storage.finishTrial("s", running, TrialState.COMPLETE, 0.5, Instant.EPOCH);
      running = storage.createTrial("s", 0, Instant.EPOCH);
      step = 0;
    }
    storage.reportIntermediate("s", running, ++step, 0.5);
  }

  static final int STEPS = 100;
}
