package io.nemospawn.benchmarks;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.FileTrees;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a team pays as it grows to {@code agents} agents, through the public API (durability
 * {@code none}, in-process):
 *
 * <ul>
 *   <li>{@code broadcast} (average time): the leader broadcasts one message to every agent (one
 *       durable message file per agent), in a team made afresh for each iteration;
 *   <li>{@code claimAndComplete} (single shot): the agents, one thread each, claim ({@code claimNext}) and
 *       complete a shared pool of 200 pending tasks at once until it is empty, time per
 *       task. Of concurrent claimers exactly one wins each task; the benchmark checks that every
 *       task was done exactly once. A pool of 200 keeps an invocation to seconds ({@code
 *       claimNext} reads the team's pending tasks on every call).
 * </ul>
 *
 * <p>Registering the agents and filling the pool are not measured.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar AgentScalingBenchmark -p
 * agents=1,10,100}
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AgentScalingBenchmark {
  static final int POOL = 200;

  /** A team of {@code n} registered agents ({@code a0}, {@code a1}, ...) in a fresh directory. */
  static final class AgentTeam {
    final Path dir;
    final NemoSpawn ns;
    final Team team;
    final List<String> names = new ArrayList<>();

    AgentTeam(int n) throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-agents-");
      ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
      team = ns.newTeam("bench").create();
      for (int i = 0; i < n; i++) {
        names.add("a" + i);
        team.agents().register(AgentSpec.builder("a" + i).build());
      }
    }

    void close() throws IOException {
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** The team size. */
  @State(Scope.Thread)
  public static class Agents {
    @Param({"1", "10", "100"})
    public int agents;
  }

  /** The team, fresh per iteration (so the inboxes hold one iteration's broadcasts). */
  @State(Scope.Thread)
  public static class Inboxes extends Agents {
    AgentTeam t;

    @Setup(Level.Iteration)
    public void open() throws IOException {
      t = new AgentTeam(agents);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
      t.close();
    }
  }

  /** The team, fresh per invocation, with 200 pending tasks and one worker thread per agent. */
  @State(Scope.Thread)
  public static class Pool extends Agents {
    ExecutorService workers;
    AgentTeam t;

    @Setup(Level.Trial)
    public void startWorkers() {
      workers = Executors.newFixedThreadPool(agents);
    }

    @Setup(Level.Invocation)
    public void fill() throws IOException {
      t = new AgentTeam(agents);
      for (int i = 0; i < POOL; i++) {
        t.team.tasks().create("task " + i);
      }
    }

    @TearDown(Level.Invocation)
    public void close() throws IOException {
      t.close();
    }

    @TearDown(Level.Trial)
    public void stopWorkers() {
      workers.shutdownNow();
    }
  }

  /** One broadcast from the leader to every agent's inbox. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public int broadcast(Inboxes s) {
    int delivered = s.t.team.inbox().broadcast("leader", "broadcast").size();
    if (delivered != s.agents) {
      throw new IllegalStateException("delivered " + delivered + " of " + s.agents);
    }
    return delivered;
  }

  /** The agents claim and complete the whole pool concurrently (time per task). */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OperationsPerInvocation(POOL)
  public int claimAndComplete(Pool s) throws Exception {
    List<Future<Integer>> done = new ArrayList<>();
    for (String agent : s.t.names) {
      done.add(s.workers.submit(() -> {
        int n = 0;
        Optional<Task> t;
        while ((t = s.t.team.tasks().claimNext(agent, Duration.ofMinutes(10))).isPresent()) {
          s.t.team.tasks().complete(t.get().id());
          n++;
        }
        return n;
      }));
    }
    int total = 0;
    for (Future<Integer> f : done) {
      total += f.get();
    }
    if (total != POOL) {
      throw new IllegalStateException("completed " + total + " of " + POOL + " tasks");
    }
    return total;
  }
}
