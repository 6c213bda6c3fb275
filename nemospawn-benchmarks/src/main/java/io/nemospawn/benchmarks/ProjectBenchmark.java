package io.nemospawn.benchmarks;

import io.nemospawn.server.project.ProjectGraph;
import io.nemospawn.server.project.ProjectTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * Measures a planned project's graph work at 1,000 tasks (each with up to 3 dependencies on
 * earlier tasks, seeded): {@code validate} checks ids, titles, prompts, dependencies and cycles
 * and appends the integration task, as {@code project_create} and a planner's answer do; {@code
 * dispatchPlan} computes the ready tasks in dispatch order with half of the tasks completed, as
 * every dispatcher step does.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar ProjectBenchmark -f 1 -wi 1
 * -i 3 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ProjectBenchmark {
  @Param({"1000"})
  public int tasks;

  List<ProjectTask> graph;
  List<String> order;
  Map<String, List<String>> deps;
  Set<String> pending;
  Set<String> completed;

  @Setup
  public void setUp() {
    Random r = new Random(42);
    graph = new ArrayList<>();
    order = new ArrayList<>();
    deps = new HashMap<>();
    pending = new HashSet<>();
    completed = new HashSet<>();
    for (int i = 0; i < tasks; i++) {
      String id = String.format(Locale.ROOT, "T-%04d", i);
      List<String> d = new ArrayList<>();
      for (int k = 0; k < 3 && i > 0; k++) {
        String dep = String.format(Locale.ROOT, "T-%04d", r.nextInt(i));
        if (!d.contains(dep)) {
          d.add(dep);
        }
      }
      graph.add(new ProjectTask(id, "task " + i, "do " + i, d, List.of(), false));
      order.add(id);
      deps.put(id, d);
      if (i < tasks / 2) {
        completed.add(id);
      } else {
        pending.add(id);
      }
    }
  }

  /** Validates the graph and appends the integration task. */
  @Benchmark
  public List<ProjectTask> validate() {
    return ProjectGraph.withIntegration(ProjectGraph.validate(graph));
  }

  /** Computes the ready tasks of a half-done project. */
  @Benchmark
  public List<String> dispatchPlan() {
    return ProjectGraph.ready(order, deps, pending, completed);
  }
}
