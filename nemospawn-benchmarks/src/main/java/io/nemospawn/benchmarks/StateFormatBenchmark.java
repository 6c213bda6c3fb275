package io.nemospawn.benchmarks;

import io.nemospawn.spi.StateFormat;
import java.time.Instant;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Measures formatting and parsing of state-file timestamps and id validation, which every record
 * write and read pays.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar StateFormatBenchmark}
 */
@State(Scope.Benchmark)
public class StateFormatBenchmark {
  private final Instant now = Instant.parse("2026-11-21T19:01:51.212059Z");
  private final String text = "2026-11-21T19:01:51.212059+00:00";

  @Benchmark
  public String formatTimestamp() {
    return StateFormat.formatTimestamp(now);
  }

  @Benchmark
  public Instant parseTimestamp() {
    return StateFormat.parseTimestamp(text);
  }

  @Benchmark
  public String requireId() {
    return StateFormat.requireId("task id", "task-1a2b3c4d");
  }
}
