package io.nemospawn.benchmarks;

import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.Tasks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * Measures the task graph through the public API: creating 1,000 tasks in a fresh team, listing
 * 1,000 tasks, and completing one task in a team of 10,000 (which unblocks its dependent through
 * the dependents index instead of rescanning the team). Reference (NemoSpawn 1.0, same machine
 * class): create 1,000 tasks in-process 0.85 s.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar TaskGraphBenchmark -f 1 -wi
 * 2 -i 3 -w 1s -r 1s}
 */
public class TaskGraphBenchmark {
  /** A fresh team for each creation run. */
  @State(Scope.Thread)
  public static class Empty {
    @Param({"NONE", "FSYNC"})
    public Durability durability;

    NemoSpawn ns;
    Tasks tasks;

    @Setup(Level.Invocation)
    public void setUp() throws IOException {
      ns = NemoSpawn.builder()
          .dataDir(Files.createTempDirectory("nemospawn-bench-"))
          .durability(durability)
          .open();
      tasks = ns.newTeam("bench").create().tasks();
    }

    @TearDown(Level.Invocation)
    public void tearDown() {
      ns.close();
    }
  }

  /** Creates 1,000 tasks, one call each, as an agent loop would. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Task createThousandTasks(Empty s) {
    Task last = s.tasks.create("task 0");
    for (int i = 1; i < 1000; i++) {
      last = s.tasks.create("task " + i);
    }
    return last;
  }

  /** A team of 1,000 tasks. */
  @State(Scope.Benchmark)
  public static class Thousand {
    NemoSpawn ns;
    Tasks tasks;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      ns = NemoSpawn.builder()
          .dataDir(Files.createTempDirectory("nemospawn-bench-"))
          .durability(Durability.NONE)
          .open();
      Team team = ns.newTeam("bench").create();
      tasks = team.tasks();
      for (int i = 0; i < 1000; i++) {
        tasks.create("task " + i);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      ns.close();
    }
  }

  /** Reads and decodes every task of a 1,000-task team. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Listing<Task> listThousandTasks(Thousand s) {
    return s.tasks.list();
  }

  /**
   * A team of 10,000 tasks: 5,000 pending roots, each with one blocked dependent. The files are
   * written directly (as another tool would), so the first operation rebuilds the index.
   */
  @State(Scope.Benchmark)
  public static class TenThousand {
    @Param({"NONE", "FSYNC"})
    public Durability durability;

    NemoSpawn ns;
    Tasks tasks;
    int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      Path dir = Files.createTempDirectory("nemospawn-bench-");
      ns = NemoSpawn.builder().dataDir(dir).durability(durability).open();
      Team team = ns.newTeam("bench").create();
      Path tasksDir = team.dir().resolve("tasks");
      Files.createDirectories(tasksDir);
      for (int i = 0; i < 5000; i++) {
        write(tasksDir, team.id(), root(i), "pending", "");
        write(tasksDir, team.id(), String.format("task-%08x", 0x80000000L + i), "blocked", root(i));
      }
      tasks = team.tasks();
      // Builds the index outside the measurement.
      tasks.complete(root(0));
      next = 1;
    }

    static String root(int i) {
      return String.format("task-%08x", i);
    }

    private static void write(Path dir, String team, String id, String status, String dep)
        throws IOException {
      String json = "{\n  \"task_id\": \"" + id + "\",\n  \"team_id\": \"" + team + "\",\n"
          + "  \"title\": \"" + id + "\",\n  \"agent_id\": null,\n  \"status\": \"" + status
          + "\",\n  \"blocked_by\": [" + (dep.isEmpty() ? "" : "\n    \"" + dep + "\"\n  ")
          + "],\n  \"metadata\": {},\n  \"created_at\": \"2026-11-21T19:00:00.000000+00:00\",\n"
          + "  \"updated_at\": \"2026-11-21T19:00:00.000000+00:00\"\n}\n";
      Files.writeString(dir.resolve(id + ".json"), json, StandardCharsets.UTF_8);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      ns.close();
    }
  }

  /** Completes one task of a 10,000-task team; its dependent becomes pending. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Task completeOneInTenThousand(TenThousand s) {
    if (s.next >= 5000) {
      throw new IllegalStateException("Ran out of roots; use shorter iterations");
    }
    return s.tasks.complete(TenThousand.root(s.next++));
  }
}
