package io.nemospawn.benchmarks;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.StudyStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
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
 * Measures what the ask lock adds to each {@code Study.ask()}: taking and releasing {@code
 * StudyStorage.underAskLock} around an empty action, for the in-memory storage (a monitor) and the
 * journal (an in-JVM lock plus an exclusive OS lock on {@code <file>.ask.lock}).
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar HpoAskLockBenchmark -f 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class HpoAskLockBenchmark {
  @Param({"memory", "journal"})
  public String storage;

  private Path dir;
  private StudyStorage st;

  @Setup
  public void open() throws IOException {
    dir = Files.createTempDirectory("hpo-ask-lock");
    st = storage.equals("journal")
        ? StudyStorage.journal(dir.resolve("s.journal"))
        : StudyStorage.inMemory();
    st.createStudy("s", Direction.MINIMIZE, Map.of());
  }

  @TearDown
  public void close() throws IOException {
    st.close();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }

  @Benchmark
  public int askLock() {
    return st.underAskLock("s", () -> 1);
  }
}
