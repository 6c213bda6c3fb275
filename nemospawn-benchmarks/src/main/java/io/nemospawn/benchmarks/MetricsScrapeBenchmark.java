package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.board.metrics.TeamMetrics;
import io.nemospawn.board.term.TerminalBoard;
import io.nemospawn.core.FileTrees;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
 * Measures one Prometheus scrape of a team ({@link TeamMetrics#scrapeText()}: every task, agent,
 * plan and message file read, the HPO part and the text format written) and one {@code board
 * live} frame, for a team of {@code tasks} tasks (a quarter done), 8 agents on 8 GPUs and 1,000
 * messages. GPU readings are a fixed snapshot (no probe cost: that is the probe's, measured by
 * {@code GpuDiscoveryBenchmark}). The message files are parsed on the first scrape only; later
 * scrapes list and stat them (see {@code InboxCounts}).
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar MetricsScrapeBenchmark -f 1
 * -wi 1 -i 3 -w 2s -r 2s}
 */
@State(Scope.Benchmark)
public class MetricsScrapeBenchmark {
  @Param({"1000", "10000"})
  public int tasks;

  Path dir;
  NemoSpawn ns;
  Team team;
  TeamMetrics metrics;
  TerminalBoard board;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("nemospawn-bench-");
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("scrape").create();
    List<Task> made = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      made.add(team.tasks().create("task " + i));
    }
    for (int i = 0; i < tasks / 4; i++) {
      team.tasks().complete(made.get(i).id());
    }
    List<GpuMetrics> gpus = new ArrayList<>();
    for (int g = 0; g < 8; g++) {
      team.agents().register("w" + g, "worker", List.of(g), "train");
      gpus.add(
          GpuMetrics.unknown(g).withUtilisation(80, 30).withTemperature(60).withPower(300, 700));
    }
    for (int m = 0; m < 1000; m++) {
      team.inbox().send("leader", "w" + (m % 8), "message " + m);
    }
    GpuSnapshot snapshot = new GpuSnapshot(Instant.now(), "nvml", gpus, List.of());
    metrics = TeamMetrics.builder(team).gpus(ids -> snapshot).build();
    board = TerminalBoard.builder(team).gpus(ids -> snapshot).build();
    metrics.scrapeText();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    team.close();
    ns.close();
    FileTrees.deleteOrThrow(dir);
  }

  /** One scrape: what Prometheus waits for at every scrape interval. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public String scrape() {
    return metrics.scrapeText();
  }

  /** One frame of {@code board live}, 120 columns. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public String terminalFrame() {
    return board.render(120);
  }
}
