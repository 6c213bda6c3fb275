package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.cost.Budget;
import io.nemospawn.core.cost.BudgetStatus;
import io.nemospawn.core.cost.Budgets;
import io.nemospawn.core.cost.CostLedger;
import io.nemospawn.core.cost.CostReport;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
 * Measures the cost part of a watch pass over a team of 100 agents whose logs hold Claude Code
 * stream-json output ({@code logLines} lines each, a quarter of them usage): {@code idlePass} when
 * no log has grown (the steady state), {@code passAfterOneLinePerAgent} after every log gained one
 * usage line, and {@code budgetEnforce} (the same plus the budget check the watch runs). The
 * incremental reader makes the passes independent of {@code logLines}.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar CostWatchPassBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CostWatchPassBenchmark {
  static final int AGENTS = 100;

  @Param({"100", "2000"})
  public int logLines;

  private Path dir;
  private NemoSpawn ns;
  private Team team;
  private final List<Path> logs = new ArrayList<>();
  private long message;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("nemospawn-bench-cost-");
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    String id = ns.newTeam("cost").create().id();
    team = ns.team(id);
    Path logDir = team.dir().resolve("logs");
    Files.createDirectories(logDir);
    for (int i = 0; i < AGENTS; i++) {
      String agent =
          team.agents().register("a" + i, "worker", List.of(i % 8), "").id();
      Path log = logDir.resolve(agent + ".log");
      StringBuilder sb = new StringBuilder();
      for (int l = 0; l < logLines; l++) {
        sb.append(
                l % 4 == 0
                    ? usage()
                    : "{\"type\":\"user\",\"message\":{\"content\":\"tool output " + "x".repeat(150)
                        + "\"}}")
            .append('\n');
      }
      Files.writeString(log, sb.toString());
      logs.add(log);
    }
    Budgets.of(team).set(new Budget(null, null, new BigDecimal("1000000"), null));
    CostLedger.of(team).refresh(); // the first pass reads everything
  }

  private String usage() {
    message++;
    return "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_" + message + "\",\"model\":"
        + "\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":"
        + "300,\"cache_read_input_tokens\":20000,\"output_tokens\":150}},\"session_id\":\"s\"}";
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    team.close();
    ns.close();
    io.nemospawn.core.FileTrees.delete(dir);
  }

  @Benchmark
  public CostReport idlePass() {
    return CostLedger.of(team).refresh();
  }

  @Benchmark
  public CostReport passAfterOneLinePerAgent() throws IOException {
    for (Path log : logs) {
      Files.writeString(log, usage() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
    return CostLedger.of(team).refresh();
  }

  @Benchmark
  public Optional<BudgetStatus> budgetEnforce() {
    return Budgets.of(team).enforce();
  }
}
