package io.nemospawn.benchmarks;

import io.nemospawn.nvidia.nim.LoadGenerator;
import io.nemospawn.nvidia.nim.LoadReport;
import io.nemospawn.nvidia.nim.LocalModelServer;
import io.nemospawn.nvidia.nim.WordModel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The load generator's own cost, against a {@link LocalModelServer} on loopback with no delays (so
 * every microsecond is generator, server and loopback, never the model's decode time): one level
 * of 200 requests at concurrency 1 and 8, streamed (16 events each) and whole. Divided by 200, the
 * time per operation bounds the generator's overhead per request from above; 200 divided by it is
 * the request rate it sustains, which must be far above what it is used to measure.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar LoadGeneratorBenchmark -f 1
 * -wi 1 -i 3}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LoadGeneratorBenchmark {
  @Param({"1", "8"})
  public int concurrency;

  @Param({"true", "false"})
  public boolean stream;

  private LocalModelServer server;
  private LoadGenerator generator;

  @Setup(Level.Trial)
  public void setUp() {
    server = LocalModelServer.start(
        WordModel.train(WordModel.builtInCorpus()),
        LocalModelServer.Options.defaults().withWorkers(8));
    generator =
        new LoadGenerator(LoadGenerator.Options.of(server.baseUri().toString(), "nemospawn-demo")
            .withApi(LoadGenerator.Api.CHAT, stream)
            .withConcurrency(List.of(concurrency))
            .withRequests(200)
            .withTokens(16, 16));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    server.close();
  }

  /** 200 requests at one concurrency level. */
  @Benchmark
  public LoadReport twoHundredRequests() throws InterruptedException {
    LoadReport r = generator.run(LoadGenerator.Progress.none());
    if (r.failed() > 0) {
      throw new IllegalStateException("requests failed: " + r.levels().get(0).errors());
    }
    return r;
  }
}
