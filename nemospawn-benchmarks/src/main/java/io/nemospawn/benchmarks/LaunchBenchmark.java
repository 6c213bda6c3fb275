package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.demo.DemoModel;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.Launcher;
import io.nemospawn.launch.Template;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Measures the launch path that runs before any agent starts, and the demo agent's unit of work:
 * parsing the autoresearch template, planning it (GPU placement on 8 GPUs for nim-deploy), and one
 * training epoch of the demo MLP (2,400 rows) at two hidden sizes.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar LaunchBenchmark -f 1 -wi 2
 * -i 3 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LaunchBenchmark {
  @Param({"8", "64"})
  public int hidden;

  private Path dir;
  private NemoSpawn ns;
  private Launcher launcher;
  private String autoresearch;
  private Template nimDeploy;
  private DemoModel model;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("nemospawn-launch-bench-");
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    launcher = Launcher.of(ns);
    try (var in = LaunchBenchmark.class.getResourceAsStream(
        "/io/nemospawn/core/internal/launch/templates/autoresearch.toml")) {
      autoresearch = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    nimDeploy = launcher.template("nim-deploy");
    model = DemoModel.create(hidden, 1);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ns.close();
  }

  /** Parses the autoresearch template (TOML, keys, cycles, [hpo] extraction). */
  @Benchmark
  public Template parseTemplate() {
    return launcher.parse(autoresearch, "bench");
  }

  /** Plans nim-deploy on 8 GPUs with the demo agent (no topology detected: adjacent runs). */
  @Benchmark
  public LaunchPlan planNimDeploy() {
    return launcher.plan(
        nimDeploy,
        LaunchOptions.builder()
            .gpus(0, 1, 2, 3, 4, 5, 6, 7)
            .agentCommand("demo")
            .runtime("process")
            .build());
  }

  /** One SGD epoch of the demo MLP over 2,400 rows, batch 32. */
  @Benchmark
  public DemoModel trainOneEpoch() {
    model.trainEpoch(0.1, 1e-5, 32);
    return model;
  }
}
