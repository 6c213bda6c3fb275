package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.core.FileTrees;
import io.nemospawn.server.swarm.Swarms;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prompt injection round trip to a running mock swarm node ({@code Swarms.inject}): the prompt is
 * appended to the node's inbox, the node's bridge reads it and sends {@code turn/start} over
 * JSON-RPC to the mock app-server, and the receipt comes back through the node's outbox. Measured
 * to {@code inject_delivered} (the agent has the prompt) and to {@code turn_complete} (a whole mock
 * turn: deltas, message, usage). Both sides poll their files every 20 ms, which dominates. {@code
 * projectTaskToTurnComplete} delivers a project task the way the control plane's project
 * dispatcher does for a swarm node ({@code Swarms.injectProjectTask}: the same injection, its
 * events tagged with the project and task ids) and waits for the tagged {@code usage} and the
 * turn's end: the difference to {@code injectToTurnComplete} is what the tagging costs.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar SwarmInjectBenchmark}
 * (quick: add {@code -f 1 -wi 1 -i 3}).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class SwarmInjectBenchmark {

  /** A one-node mock swarm, launched once per trial. */
  @State(Scope.Benchmark)
  public static class Node {
    Path dir;
    NemoSpawn ns;
    Swarms swarms;
    String swarmId;
    final Map<String, CompletableFuture<Void>> delivered = new ConcurrentHashMap<>();
    final Map<String, CompletableFuture<Void>> completed = new ConcurrentHashMap<>();
    final Map<String, CompletableFuture<Void>> taggedUsage = new ConcurrentHashMap<>();
    String teamId;
    String agentId;
    final String taskText = ("Project 'Bench', task t1: Write t1.txt\n\n" + "x".repeat(600)
        + "\n\nPROJECT_TASK_JSON {\"kind\":\"project_task\",\"task_id\":\"t1\"}\n");

    @Setup(Level.Trial)
    public void launch() throws Exception {
      dir = Files.createTempDirectory("nemospawn-bench-swarm-");
      ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
      swarms = Swarms.open(ns, (event, data) -> {
        String id = data.path("injection_id").asString("");
        if (event.equals("inject_delivered")) {
          delivered.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(null);
        } else if (event.equals("usage") && data.path("task_id").asString("").equals("t1")) {
          taggedUsage.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(null);
        } else if (event.equals("turn_complete")) {
          completed.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(null);
        }
      });
      swarmId =
          swarms.launch(Swarms.LaunchRequest.mock(1), "bench").path("swarm_id").asString();
      teamId = swarms.team(swarmId).id();
      agentId = swarms.agentId(swarmId, 0);
      roundTrip(true);
    }

    void projectTask() throws Exception {
      String id = swarms
          .injectProjectTask(teamId, agentId, taskText, "project:bench", "proj-bench", "t1")
          .orElseThrow();
      taggedUsage.computeIfAbsent(id, k -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
      completed.computeIfAbsent(id, k -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
      delivered.remove(id);
      completed.remove(id);
      taggedUsage.remove(id);
    }

    void roundTrip(boolean wholeTurn) throws Exception {
      String id = swarms.inject(swarmId, List.of(0), "ping", "bench").get(0);
      Map<String, CompletableFuture<Void>> m = wholeTurn ? completed : delivered;
      m.computeIfAbsent(id, k -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
      if (!wholeTurn) {
        completed.computeIfAbsent(id, k -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
      }
      delivered.remove(id);
      completed.remove(id);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
      swarms.terminate(swarmId, true, false, "bench");
      Thread.sleep(1000);
      swarms.close();
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** Inject to the whole mock turn completing (turn_complete). */
  @Benchmark
  public void injectToTurnComplete(Node node) throws Exception {
    node.roundTrip(true);
  }

  /** A project task injected as the dispatcher does, to its tagged usage and turn_complete. */
  @Benchmark
  public void projectTaskToTurnComplete(Node node) throws Exception {
    node.projectTask();
  }
}
