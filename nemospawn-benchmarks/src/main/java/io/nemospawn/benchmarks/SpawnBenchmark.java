package io.nemospawn.benchmarks;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Measures spawning one agent ({@code true}) with a runtime and waiting for its exit: GPU lease and
 * record under the agents lock, prompt file, start, exit detection and the exit record. A fresh
 * team per iteration keeps the team small (spawning reconciles the team's agents first).
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar SpawnBenchmark -f 1 -wi 2
 * -i 3 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SpawnBenchmark {
  @Param({"process", "tmux"})
  public String runtime;

  private Path dir;
  private NemoSpawn ns;
  private Team team;
  private int n;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("nemospawn-spawn-bench-");
    System.setProperty("nemospawn.tmux.socket", dir.resolve("tmux.sock").toString());
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
  }

  @Setup(Level.Iteration)
  public void team() {
    team = ns.newTeam("bench").create();
  }

  @Benchmark
  public boolean spawnAndAwaitExit() throws InterruptedException {
    Agent a =
        team.spawn(AgentSpec.builder("a" + n++).runtime(runtime).command("true").build());
    return a.awaitExit(Duration.ofSeconds(30));
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    ns.close();
    new ProcessBuilder("tmux", "-S", dir.resolve("tmux.sock").toString(), "kill-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
  }
}
