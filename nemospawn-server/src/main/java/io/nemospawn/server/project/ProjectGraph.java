package io.nemospawn.server.project;

import io.nemospawn.spi.StateFormat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validation and parsing of a project's task graph. A graph is valid when every task id is a safe
 * branch component (1-64 ASCII letters, digits, {@code .}, {@code _}, {@code -}, starting with a
 * letter or digit, no {@code ..}, not ending in {@code .} or {@code .lock}), ids are unique, every
 * task has a title and a prompt, every dependency names a task of the graph and there is no
 * cycle. Stateless and thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class ProjectGraph {
  /** The id of the task appended to every project to merge the others' branches. */
  public static final String INTEGRATION_ID = "integration";

  /** The marker a planner writes before its JSON answer. */
  public static final String MARKER = "TASK_GRAPH_JSON";

  static final int MAX_ID_LENGTH = 64;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ProjectGraph() {}

  /**
   * Checks a task list; reports every problem at once.
   *
   * @param tasks the tasks in their dispatch order
   * @return the same tasks
   * @throws ProjectGraphException naming each bad value
   */
  public static List<ProjectTask> validate(List<ProjectTask> tasks) {
    List<String> problems = new ArrayList<>();
    if (tasks.isEmpty()) {
      problems.add("the task list is empty; give at least one task");
      throw new ProjectGraphException(problems);
    }
    Map<String, ProjectTask> byId = new LinkedHashMap<>();
    for (ProjectTask t : tasks) {
      String idProblem = idProblem(t.taskId());
      if (idProblem != null) {
        problems.add(idProblem);
        continue;
      }
      if (byId.putIfAbsent(t.taskId(), t) != null) {
        problems.add("task id '" + t.taskId() + "' is used twice; give each task its own id");
      }
      if (t.title().isBlank()) {
        problems.add("task '" + t.taskId() + "' has no title");
      }
      if (t.prompt().isBlank()) {
        problems.add("task '" + t.taskId() + "' has no prompt");
      }
    }
    for (ProjectTask t : tasks) {
      if (!byId.containsKey(t.taskId())) {
        continue;
      }
      for (String d : t.dependsOn()) {
        if (d.equals(t.taskId())) {
          problems.add("task '" + t.taskId() + "' depends on itself");
        } else if (!byId.containsKey(d)) {
          problems.add("task '" + t.taskId() + "' depends on unknown task '"
              + StateFormat.printable(d) + "'; known tasks: " + byId.keySet());
        }
      }
    }
    if (problems.isEmpty()) {
      List<String> cycle = findCycle(tasks);
      if (!cycle.isEmpty()) {
        problems.add("the dependencies form a cycle: " + String.join(" -> ", cycle)
            + "; remove one of these dependencies");
      }
    }
    if (!problems.isEmpty()) {
      throw new ProjectGraphException(problems);
    }
    return tasks;
  }

  /**
   * Returns what is wrong with a task id, or null when it is a valid one.
   *
   * @param id the id
   * @return the problem, naming the value, or null
   */
  static @Nullable String idProblem(String id) {
    if (id.length() > MAX_ID_LENGTH) {
      return "task id '" + StateFormat.printable(id) + "' is " + id.length()
          + " characters long; use at most " + MAX_ID_LENGTH;
    }
    if (!StateFormat.isValidId(id) || id.endsWith(".") || id.endsWith(".lock")) {
      return "invalid task id '" + StateFormat.printable(id) + "'; use 1-" + MAX_ID_LENGTH
          + " ASCII letters, digits, '.', '_' or '-', starting with a letter or digit, without"
          + " '..' and not ending in '.' or '.lock' (it becomes part of a git branch name)";
    }
    return null;
  }

  /**
   * Finds one cycle (Kahn's algorithm, then a walk through what is left).
   *
   * @return the cycle's ids, first repeated at the end, or an empty list
   */
  static List<String> findCycle(List<ProjectTask> tasks) {
    Map<String, Integer> open = new HashMap<>();
    Map<String, List<String>> dependents = new HashMap<>();
    Map<String, ProjectTask> byId = new HashMap<>();
    for (ProjectTask t : tasks) {
      byId.put(t.taskId(), t);
      open.put(t.taskId(), new HashSet<>(t.dependsOn()).size());
      for (String d : new HashSet<>(t.dependsOn())) {
        dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(t.taskId());
      }
    }
    ArrayDeque<String> ready = new ArrayDeque<>();
    open.forEach((k, v) -> {
      if (v == 0) {
        ready.add(k);
      }
    });
    int seen = 0;
    while (!ready.isEmpty()) {
      String k = ready.poll();
      seen++;
      for (String dep : dependents.getOrDefault(k, List.of())) {
        if (open.merge(dep, -1, Integer::sum) == 0) {
          ready.add(dep);
        }
      }
    }
    if (seen == tasks.size()) {
      return List.of();
    }
    // Every task left has a dependency that is left too: walk until an id repeats.
    String start = null;
    for (ProjectTask t : tasks) {
      if (open.getOrDefault(t.taskId(), 0) > 0) {
        start = t.taskId();
        break;
      }
    }
    List<String> path = new ArrayList<>();
    Map<String, Integer> at = new HashMap<>();
    String cur = start;
    while (cur != null && !at.containsKey(cur)) {
      at.put(cur, path.size());
      path.add(cur);
      String next = null;
      ProjectTask curTask = byId.get(cur);
      for (String d : curTask == null ? List.<String>of() : curTask.dependsOn()) {
        if (open.getOrDefault(d, 0) > 0) {
          next = d;
          break;
        }
      }
      cur = next;
    }
    if (cur == null) {
      return List.of("?");
    }
    List<String> cycle = new ArrayList<>(path.subList(at.getOrDefault(cur, 0), path.size()));
    cycle.add(cur);
    return cycle;
  }

  /**
   * Appends the integration task (depends on every other task) unless the list has one.
   *
   * @param tasks validated implementation tasks
   * @return the tasks plus the integration task
   */
  public static List<ProjectTask> withIntegration(List<ProjectTask> tasks) {
    for (ProjectTask t : tasks) {
      if (t.integration()) {
        return tasks;
      }
    }
    List<ProjectTask> all = new ArrayList<>(tasks);
    List<String> deps = tasks.stream().map(ProjectTask::taskId).toList();
    if (deps.contains(INTEGRATION_ID)) {
      throw new ProjectGraphException(List.of("task id '" + INTEGRATION_ID
          + "' is reserved for the automatic integration task; rename that task"));
    }
    all.add(new ProjectTask(
        INTEGRATION_ID,
        "Integrate every task branch",
        "Merge every task branch into the integration branch, in task order.",
        deps,
        List.of("every task branch merges without conflicts"),
        true));
    return all;
  }

  /**
   * Reads tasks from JSON: a list, or an object with {@code tasks} or {@code graph.tasks}; each
   * task has {@code task_id} (or {@code id}; default {@code T-NNN} by position), {@code title},
   * {@code prompt}, {@code depends_on}, {@code acceptance_criteria}.
   *
   * @param node the JSON
   * @return the tasks, not yet validated
   * @throws ProjectGraphException when the JSON has no task list or a task is not an object
   */
  public static List<ProjectTask> fromJson(JsonNode node) {
    JsonNode list = node;
    if (node.isObject()) {
      list = node.has("tasks") ? node.get("tasks") : node.path("graph").path("tasks");
    }
    if (!list.isArray()) {
      throw new ProjectGraphException(
          List.of("the task graph has no task list; give a JSON list or {\"tasks\": [...]}"));
    }
    List<ProjectTask> tasks = new ArrayList<>();
    int i = 0;
    for (JsonNode t : list) {
      i++;
      if (!t.isObject()) {
        throw new ProjectGraphException(
            List.of("task " + i + " of the list is not a JSON object: " + t));
      }
      String id = text(t, "task_id");
      if (id.isEmpty()) {
        id = text(t, "id");
      }
      if (id.isEmpty()) {
        id = String.format(Locale.ROOT, "T-%03d", i);
      }
      String kind = text(t, "task_kind").isEmpty() ? text(t, "kind") : text(t, "task_kind");
      tasks.add(new ProjectTask(
          id,
          text(t, "title"),
          text(t, "prompt"),
          strings(t.path("depends_on")),
          strings(t.path("acceptance_criteria")),
          kind.equals("integration")));
    }
    return tasks;
  }

  /**
   * Parses a planner's answer: the JSON after the last {@value #MARKER} marker that holds a
   * non-empty task list, inside a fenced code block when there is one.
   *
   * @param answer the planner's text
   * @return the tasks, validated
   * @throws ProjectGraphException when no graph can be read or it is invalid
   */
  public static List<ProjectTask> parsePlannerAnswer(String answer) {
    List<ProjectTask> found = null;
    String lastError = "the answer has no " + MARKER + " marker";
    int from = 0;
    while (true) {
      int at = answer.indexOf(MARKER, from);
      if (at < 0) {
        break;
      }
      from = at + MARKER.length();
      String rest = answer.substring(from);
      String json = rest;
      int fence = rest.indexOf("```");
      if (fence >= 0) {
        int nl = rest.indexOf('\n', fence);
        int end = nl < 0 ? -1 : rest.indexOf("```", nl);
        if (nl >= 0 && end > nl) {
          json = rest.substring(nl + 1, end);
        }
      }
      try {
        List<ProjectTask> tasks = fromJson(JSON.readTree(json.strip()));
        if (!tasks.isEmpty()) {
          found = tasks;
        }
      } catch (JacksonException e) {
        lastError = "the JSON after " + MARKER + " does not parse: " + e.getOriginalMessage();
      }
    }
    if (found == null) {
      throw new ProjectGraphException(List.of("no task graph in the planner's answer: " + lastError
          + "; the planner must answer " + MARKER + " followed by {\"tasks\": [...]}"));
    }
    return validate(found);
  }

  /**
   * Returns the ids of tasks ready to run: pending, in the given order, whose dependencies are all
   * completed.
   *
   * @param order task ids in dispatch order
   * @param dependsOn each task's dependencies
   * @param pending the ids of pending tasks
   * @param completed the ids of completed tasks
   * @return ready ids in order
   */
  public static List<String> ready(
      List<String> order,
      Map<String, List<String>> dependsOn,
      Set<String> pending,
      Collection<String> completed) {
    Set<String> done = completed instanceof Set<String> s ? s : new HashSet<>(completed);
    List<String> ready = new ArrayList<>();
    for (String id : order) {
      if (pending.contains(id) && done.containsAll(dependsOn.getOrDefault(id, List.of()))) {
        ready.add(id);
      }
    }
    return ready;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "" : v.asString().strip();
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(x -> out.add(x.asString()));
    } else if (n.isString() && !n.asString().isBlank()) {
      out.add(n.asString());
    }
    return out;
  }
}
