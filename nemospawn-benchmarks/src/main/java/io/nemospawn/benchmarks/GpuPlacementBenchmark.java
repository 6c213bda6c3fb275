package io.nemospawn.benchmarks;

import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Link;
import io.nemospawn.topology.LinkKind;
import io.nemospawn.topology.Placement;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
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
 * Measures {@link GpuTopology#place} on a 64-GPU topology with about a third of the GPUs held
 * (seeded, so every run sees the same occupancy): {@code islands-8x8} is eight fully connected
 * 8-GPU NV18 islands joined by SYS (exhaustive search per island); {@code nvswitch-64} is one
 * 64-GPU NV18 fabric (greedy search from every seed).
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar GpuPlacementBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GpuPlacementBenchmark {
  @Param({"islands-8x8", "nvswitch-64"})
  public String shape;

  @Param({"1", "4", "8"})
  public int k;

  private GpuTopology topology;
  private Set<Integer> held;

  @Setup
  public void setUp() {
    GpuTopology.Builder b = GpuTopology.builder();
    for (int i = 0; i < 64; i++) {
      b.gpu(Gpu.of(i, "NVIDIA H100 80GB HBM3").withAffinity("", i / 32));
    }
    for (int i = 0; i < 64; i++) {
      for (int j = i + 1; j < 64; j++) {
        boolean linked = shape.equals("nvswitch-64") || i / 8 == j / 8;
        b.link(i, j, linked ? Link.nvLink(18) : Link.of(LinkKind.SYS));
      }
    }
    topology = b.build();
    Random random = new Random(42);
    held = new HashSet<>();
    // One island left whole so that k = 8 can stay on NVLink.
    for (int i = 8; i < 64; i++) {
      if (random.nextInt(3) == 0) {
        held.add(i);
      }
    }
  }

  @Benchmark
  public Placement place() {
    return topology.place(k, held, false);
  }
}
