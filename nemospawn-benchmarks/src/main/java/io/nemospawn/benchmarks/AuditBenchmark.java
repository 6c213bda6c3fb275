package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.core.FileTrees;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AuditChain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The tamper-evident audit log: one chained append through the public API ({@code
 * ns.audit().append}: the data directory's audit lock, the end of the chain, SHA-256 of the line
 * before, one positional write, fsync or not), and {@code auth audit --verify}'s check of a
 * 100,000-line log ({@link AuditChain#verify}: every line parsed and hashed).
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar AuditBenchmark} (quick: add
 * {@code -f 1 -wi 1 -i 3}).
 */
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class AuditBenchmark {

  /** A data directory whose audit log grows by one chained line per call. */
  @State(Scope.Thread)
  public static class Appending {
    @Param({"none", "fsync"})
    public String durability;

    Path dir;
    NemoSpawn ns;
    int i;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = Files.createTempDirectory("nemospawn-audit-bench");
      ns = NemoSpawn.builder()
          .dataDir(dir)
          .durability(Durability.parse(durability))
          .user("bench")
          .open();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** Appends one chained line. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void appendChained(Appending s) {
    s.ns.audit().append("task.update", "team-0", "agent-0", Map.of("i", s.i++, "status", "done"));
  }

  /** A 100,000-line chained log. */
  @State(Scope.Benchmark)
  public static class Log {
    @Param({"100000"})
    public int lines;

    Path dir;
    List<Path> files;

    @Setup(Level.Trial)
    public void write() throws IOException {
      dir = Files.createTempDirectory("nemospawn-audit-verify-bench");
      try (NemoSpawn ns = NemoSpawn.builder()
          .dataDir(dir)
          .durability(Durability.NONE)
          .user("bench")
          .open()) {
        for (int i = 0; i < lines; i++) {
          ns.audit()
              .append(
                  "task.update", "team-0", "agent-" + (i % 8), Map.of("i", i, "status", "done"));
        }
      }
      files = AuditChain.files(dir);
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** Verifies the whole chain. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public AuditChain.Report verify(Log log) {
    AuditChain.Report r = AuditChain.verify(log.files);
    if (!r.intact() || r.chained() != log.lines) {
      throw new IllegalStateException("The benchmark's chain is not intact: " + r);
    }
    return r;
  }
}
