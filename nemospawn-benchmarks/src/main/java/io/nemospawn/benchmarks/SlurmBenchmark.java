package io.nemospawn.benchmarks;

import io.nemospawn.cluster.slurm.Slurm;
import io.nemospawn.cluster.slurm.SlurmJob;
import io.nemospawn.cluster.slurm.SlurmRuntime;
import io.nemospawn.cluster.slurm.SlurmScript;
import io.nemospawn.spi.AgentRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
 * SLURM through its client tools, against a real cluster (the single-node one of {@code
 * scripts/ci/start-slurm.sh} here): {@code statusQuery} is one {@code Slurm.find} of a running job
 * (answered by {@code squeue}) or of a finished one ({@code squeue}, then {@code sacct});
 * {@code submitToRunning} is the latency from {@code sbatch} to the job's state reading RUNNING
 * (polled every 20 ms), one job per invocation, cancelled afterwards; {@code allocatedGpus} is
 * what every listing and watch pass adds per {@code slurm} agent to learn the GPUs SLURM gave its
 * job (reading the allocation file the job wrote).
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar SlurmBenchmark -f 1}.
 * Partition: {@code -Dnemospawn.bench.partition=P} (default: the cluster's default).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SlurmBenchmark {
  @Param({"running", "finished"})
  public String job;

  private final Slurm slurm = Slurm.local();
  private Path dir;
  private String id;
  private AgentRuntime.Launched launched;
  private final SlurmRuntime runtime = new SlurmRuntime();

  private Path script(String name, List<String> command) throws IOException {
    Path f = dir.resolve(name + ".sbatch");
    Files.writeString(
        f,
        SlurmScript.builder(name)
            .gpus(0)
            .time("00:10:00")
            .partition(System.getProperty("nemospawn.bench.partition", ""))
            .command(command)
            .allocationFile(dir.resolve(name + ".slurm"))
            .build()
            .render());
    return f;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    slurm.unavailableReason().ifPresent(why -> {
      throw new IllegalStateException(why);
    });
    dir = Files.createTempDirectory("nemospawn-slurm-bench");
    if (job.equals("running")) {
      id = slurm.submit(script("bench-status", List.of("sleep", "600")));
    } else {
      id = slurm.submit(script("bench-done", List.of("true")));
    }
    String want = job.equals("running") ? "RUNNING" : "COMPLETED";
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (slurm.find(id).isEmpty() || !slurm.find(id).get(0).state().equals(want)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("job " + id + " never reached " + want);
      }
      Thread.sleep(200);
    }
    String name = job.equals("running") ? "bench-status" : "bench-done";
    Path alloc = dir.resolve(name + ".slurm");
    while (!Files.exists(alloc) || Files.size(alloc) == 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("job " + id + " never wrote " + alloc);
      }
      Thread.sleep(200);
    }
    launched = new AgentRuntime.Launched(
        "slurm",
        Long.parseLong(id),
        java.time.Instant.ofEpochSecond(1),
        "slurm-" + id,
        "",
        dir.resolve(name + ".log"),
        dir.resolve(name + ".exit"));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    try {
      slurm.cancel(id, "KILL");
    } catch (RuntimeException gone) {
      // Finished.
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public List<SlurmJob> statusQuery() {
    return slurm.find(id);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Optional<List<Integer>> allocatedGpus() {
    return runtime.allocatedGpus(launched);
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  public String submitToRunning() throws Exception {
    String j = slurm.submit(script("bench-latency", List.of("sleep", "600")));
    try {
      while (true) {
        List<SlurmJob> s = slurm.find(j);
        if (!s.isEmpty() && s.get(0).state().equals("RUNNING")) {
          return j;
        }
        Thread.sleep(20);
      }
    } finally {
      slurm.cancel(j, "KILL");
      while (!slurm.find(j).isEmpty() && slurm.find(j).get(0).active()) {
        Thread.sleep(50);
      }
    }
  }
}
