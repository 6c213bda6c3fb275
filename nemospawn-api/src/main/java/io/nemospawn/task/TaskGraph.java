package io.nemospawn.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A set of new tasks with dependencies among themselves (by key) and on existing tasks (by id),
 * submitted in one step with {@link Tasks#submit}. {@link Builder#build()} rejects unknown keys
 * and cycles.
 *
 * <pre>{@code
 * TaskGraph g = TaskGraph.builder()
 *     .task("prep", TaskSpec.of("prepare data"))
 *     .task("train", TaskSpec.of("train").withOwner(trainerId), "prep")
 *     .task("eval", TaskSpec.of("evaluate"), "train")
 *     .build();
 * Map<String, Task> created = team.tasks().submit(g);
 * }</pre>
 *
 * @param nodes the tasks by key, in insertion order
 * @param edges for each key, the keys it depends on
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record TaskGraph(Map<String, TaskSpec> nodes, Map<String, List<String>> edges) {
  /** Copies. */
  public TaskGraph {
    nodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
    Map<String, List<String>> e = new LinkedHashMap<>();
    edges.forEach((k, v) -> e.put(k, List.copyOf(v)));
    edges = java.util.Collections.unmodifiableMap(e);
  }

  /** Returns a new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the keys in an order where every task comes after the tasks it depends on. */
  public List<String> topologicalOrder() {
    List<String> order = new ArrayList<>();
    Map<String, Integer> mark = new LinkedHashMap<>();
    for (String k : nodes.keySet()) {
      visit(k, mark, order, new ArrayList<>());
    }
    return order;
  }

  private void visit(String k, Map<String, Integer> mark, List<String> order, List<String> path) {
    Integer m = mark.get(k);
    if (m != null && m == 2) {
      return;
    }
    path.add(k);
    if (m != null && m == 1) {
      throw new IllegalArgumentException("Task graph has a cycle: " + String.join(" -> ", path));
    }
    mark.put(k, 1);
    for (String d : edges.getOrDefault(k, List.of())) {
      visit(d, mark, order, path);
    }
    path.remove(path.size() - 1);
    mark.put(k, 2);
    order.add(k);
  }

  /** Builds a {@link TaskGraph}. Not thread-safe; reusable. */
  public static final class Builder {
    private final Map<String, TaskSpec> nodes = new LinkedHashMap<>();
    private final Map<String, List<String>> edges = new LinkedHashMap<>();

    Builder() {}

    /**
     * Adds a task under a key, depending on the tasks of the given keys.
     *
     * @throws IllegalArgumentException when the key is used already
     */
    public Builder task(String key, TaskSpec spec, String... after) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(spec, "spec");
      if (nodes.containsKey(key)) {
        throw new IllegalArgumentException("Task key '" + key + "' is used twice in the graph");
      }
      nodes.put(key, spec);
      edges.put(key, List.of(after));
      return this;
    }

    /**
     * Validates and returns the graph.
     *
     * @throws IllegalArgumentException naming an unknown key or the cycle
     */
    public TaskGraph build() {
      edges.forEach((k, deps) -> {
        for (String d : deps) {
          if (!nodes.containsKey(d)) {
            throw new IllegalArgumentException("Task '" + k + "' depends on unknown key '" + d
                + "'; known keys: " + nodes.keySet());
          }
        }
      });
      TaskGraph g = new TaskGraph(nodes, edges);
      g.topologicalOrder();
      return g;
    }

    @Override
    public String toString() {
      return "TaskGraph.Builder[" + nodes.size() + " tasks]";
    }
  }
}
