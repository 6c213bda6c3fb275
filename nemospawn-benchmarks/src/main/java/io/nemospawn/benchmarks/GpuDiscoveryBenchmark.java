package io.nemospawn.benchmarks;

import io.nemospawn.spi.GpuProbe;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.ServiceLoader;
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

/**
 * Measures GPU discovery of an 8× H100 SXM machine (8 GPUs, 18 NVLinks each) through NVML in
 * process versus through {@code nvidia-smi} (two process launches). Without a GPU, NVML is the
 * stand-in {@code libnvidia-ml.so.1} built with gcc from
 * {@code nemospawn-gpu/src/test/resources/fake-nvml/fake_nvml.c}, answering from the recorded
 * fixture, and {@code nvidia-smi} is a shell script printing the recorded output: both measure
 * our side (binding, parsing, process handling), not the driver's.
 *
 * <p>Run from the repository root (it reads the C source and fixtures from the source tree; set
 * {@code -Dnemospawn.bench.root=DIR} otherwise): {@code java -jar
 * nemospawn-benchmarks/target/benchmarks.jar GpuDiscoveryBenchmark}. On a GPU machine add
 * {@code -Dnemospawn.bench.real=true} to measure the real library and tool.
 *
 * <p>The probes are the ones {@code nemospawn-gpu} registers for {@link ServiceLoader}, pointed at
 * the stand-ins through their documented settings ({@code nemospawn.gpu.nvml-library}, {@code
 * nemospawn.gpu.nvidia-smi}), as a user would configure them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GpuDiscoveryBenchmark {
  @Param({"nvml", "nvidia-smi"})
  public String probe;

  private GpuProbe gpuProbe;

  @Setup(Level.Trial)
  public void setUp() throws IOException, InterruptedException {
    if (Boolean.getBoolean("nemospawn.bench.real")) {
      gpuProbe = registeredProbe(probe);
      return;
    }
    Path root = Path.of(System.getProperty("nemospawn.bench.root", "."));
    Path resources = root.resolve("nemospawn-gpu/src/test/resources");
    Path fixture = resources.resolve("fixtures/h100-sxm-8");
    Path dir = Files.createTempDirectory("nemospawn-gpu-bench");
    if (probe.equals("nvml")) {
      Path lib = dir.resolve("libnvidia-ml.so.1");
      Process gcc = new ProcessBuilder(List.of(
              "gcc",
              "-O2",
              "-shared",
              "-fPIC",
              "-o",
              lib.toString(),
              resources.resolve("fake-nvml/fake_nvml.c").toString(),
              "-ldl"))
          .inheritIO()
          .start();
      if (gcc.waitFor() != 0) {
        throw new IllegalStateException("gcc failed to build the stand-in NVML");
      }
      Files.copy(
          fixture.resolve("nvml.txt"),
          dir.resolve("nvml.txt"),
          StandardCopyOption.REPLACE_EXISTING);
      System.setProperty("nemospawn.gpu.nvml-library", lib.toString());
    } else {
      Path smi = dir.resolve("nvidia-smi");
      Files.writeString(
          smi,
          "#!/bin/sh\nif [ \"$1\" = topo ]; then exec cat '"
              + fixture.resolve("topo.txt").toAbsolutePath() + "'; fi\nexec cat '"
              + fixture.resolve("query.csv").toAbsolutePath() + "'\n");
      Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
      System.setProperty("nemospawn.gpu.nvidia-smi", smi.toString());
      System.setProperty("nemospawn.gpu.timeout", "PT30S");
    }
    gpuProbe = registeredProbe(probe);
    GpuTopology t = gpuProbe.discover();
    if (t.size() != 8 || t.nvLinkCount(0, 7) != 18) {
      throw new IllegalStateException("Unexpected topology from " + probe + ": " + t);
    }
  }

  /** Returns the probe of that name that nemospawn-gpu registers. */
  private static GpuProbe registeredProbe(String name) {
    return ServiceLoader.load(GpuProbe.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "No GpuProbe named '" + name + "' on the class path; add io.nemospawn:nemospawn-gpu"));
  }

  @Benchmark
  public GpuTopology discover() {
    return gpuProbe.discover();
  }
}
