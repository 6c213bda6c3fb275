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
 *   <li>{@code broadcast}: the leader broadcasts one message to every agent (one durable message
 *       file per agent), 100 broadcasts per invocation, time per broadcast;
 *   <li>{@code claimAndComplete}: the agents, one thread each, claim ({@code claimNext}) and
 *       complete a shared pool of 200 pending tasks at once until it is empty, time per
 *       task. Of concurrent claimers exactly one wins each task; the benchmark checks that every
 *       task was done exactly once. {@code claimNext} reads the team's pending tasks on every
 *       call, so the cost per claim also grows with the backlog (about 10 ms with 1,000 pending
 *       on a loaded 2-core VM, 2026-12-04); 200 keeps an invocation to seconds.
 * </ul>
 *
 * <p>Each invocation gets a fresh data directory with the agents registered (not measured), so
 * inboxes and the task pool start empty every time.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar AgentScalingBenchmark -p
 * agents=1,10,100}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class AgentScalingBenchmark {
  static final int BROADCASTS = 100;
  static final int POOL = 200;

  /** A team of {@code agents} registered agents in a fresh data directory per invocation. */
  @State(Scope.Thread)
  public static class Agents {
    @Param({"1", "10", "100"})
    public int agents;

    Path dir;
    NemoSpawn ns;
    Team team;
    List<String> names;

    @Setup(Level.Invocation)
    public void open() throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-agents-");
      ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
      team = ns.newTeam("bench").create();
      names = new ArrayList<>();
      for (int i = 0; i < agents; i++) {
        names.add("a" + i);
        team.agents().register(AgentSpec.builder("a" + i).build());
      }
    }

    @TearDown(Level.Invocation)
    public void close() throws IOException {
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** The same team with 200 pending tasks and one worker thread per agent. */
  @State(Scope.Thread)
  public static class Pool extends Agents {
    ExecutorService workers;

    @Setup(Level.Trial)
    public void startWorkers() {
      workers = Executors.newFixedThreadPool(agents);
    }

    @Setup(Level.Invocation)
    public void fill() {
      for (int i = 0; i < POOL; i++) {
        team.tasks().create("task " + i);
      }
    }

    @TearDown(Level.Trial)
    public void stopWorkers() {
      workers.shutdownNow();
    }
  }

  /** One broadcast from the leader to every agent's inbox (time per broadcast). */
  @Benchmark
  @OperationsPerInvocation(BROADCASTS)
  public int broadcast(Agents s) {
    int delivered = 0;
    for (int i = 0; i < BROADCASTS; i++) {
      delivered += s.team.inbox().broadcast("leader", "broadcast " + i).size();
    }
    if (delivered != BROADCASTS * s.agents) {
      throw new IllegalStateException("delivered " + delivered + " of " + BROADCASTS * s.agents);
    }
    return delivered;
  }

  /** The agents claim and complete the whole pool concurrently (time per task). */
  @Benchmark
  @OperationsPerInvocation(POOL)
  public int claimAndComplete(Pool s) throws Exception {
    List<Future<Integer>> done = new ArrayList<>();
    for (String agent : s.names) {
      done.add(s.workers.submit(() -> {
        int n = 0;
        Optional<Task> t;
        while ((t = s.team.tasks().claimNext(agent, Duration.ofMinutes(10))).isPresent()) {
          s.team.tasks().complete(t.get().id());
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
