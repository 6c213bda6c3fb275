package io.nemospawn.benchmarks;

import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Measures one atomic state write (temp file, optional force, atomic rename, optional directory
 * force) of a 400-byte task record, with fsync on and off.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar AtomicWriteBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AtomicWriteBenchmark {
  @Param({"FSYNC", "NONE"})
  public Durability durability;

  private Path target;
  private final byte[] record = ("{\n  \"task_id\": \"task-1a2b3c4d\",\n  \"title\": \""
          + "x".repeat(330) + "\"\n}\n")
      .getBytes(StandardCharsets.UTF_8);

  @Setup
  public void setUp() throws IOException {
    target = Files.createTempDirectory("nemospawn-bench-").resolve("task-1a2b3c4d.json");
  }

  @Benchmark
  public Path write() {
    AtomicFiles.write(target, record, durability);
    return target;
  }
}
