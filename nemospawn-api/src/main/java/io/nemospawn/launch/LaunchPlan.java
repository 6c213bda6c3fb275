package io.nemospawn.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Exactly what a launch will do: the team to create, the leader and the workers with their GPUs,
 * the agent each runs and where, the task DAG, the HPO study, and where to watch. Made by {@link
 * Launcher#plan}, which touches nothing; {@link Launcher#start} carries it out. {@link #toText()}
 * is what {@code nemospawn launch run --dry-run} prints. Immutable and thread-safe.
 *
 * @param template the template's name
 * @param source where the template came from
 * @param teamName the team to create (its id is assigned at launch)
 * @param goal the team's goal, given to the leader
 * @param dataDir the data directory the team will live in
 * @param gpus the GPUs the launch was given (empty: none)
 * @param leader the leader agent
 * @param workers the worker agents, in template order
 * @param tasks the task DAG, in an order where every task follows its dependencies
 * @param hpo the shared study to create ({@link Template.Hpo#none()} for none)
 * @param notes remarks the user should read (no GPUs, demo agent chosen, shared GPUs …)
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record LaunchPlan(
    String template,
    String source,
    String teamName,
    String goal,
    Path dataDir,
    List<Integer> gpus,
    PlannedAgent leader,
    List<PlannedAgent> workers,
    List<PlannedTask> tasks,
    Template.Hpo hpo,
    List<String> notes) {

  /** Validates and copies. */
  public LaunchPlan {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(teamName, "teamName");
    goal = goal == null ? "" : goal;
    Objects.requireNonNull(dataDir, "dataDir");
    gpus = List.copyOf(gpus);
    Objects.requireNonNull(leader, "leader");
    workers = List.copyOf(workers);
    tasks = List.copyOf(tasks);
    hpo = hpo == null ? Template.Hpo.none() : hpo;
    notes = List.copyOf(notes);
  }

  /** Returns the leader and the workers. */
  public List<PlannedAgent> agents() {
    List<PlannedAgent> all = new ArrayList<>();
    all.add(leader);
    all.addAll(workers);
    return all;
  }

  /** Returns the GPUs held by all agents together (a shared GPU counts once per agent). */
  public int gpuSlots() {
    return agents().stream().mapToInt(a -> a.gpus().size()).sum();
  }

  /**
   * Returns the name of the team's HPO study: the template's study name and the hex part of the
   * team id, so every launch gets a fresh study; an empty string when there is none.
   *
   * @param teamId the team's id, or a placeholder before the launch
   */
  public String studyName(String teamId) {
    if (!hpo.isPresent()) {
      return "";
    }
    int dash = teamId.lastIndexOf('-');
    String hex = teamId.startsWith("<") || dash < 0 ? "<team-hex>" : teamId.substring(dash + 1);
    return hpo.study() + "-" + hex;
  }

  /**
   * Returns the commands to watch a launched team, {@code teamId} filled in.
   *
   * @param teamId the team's id, or a placeholder before the launch
   */
  public List<String> watchCommands(String teamId) {
    List<String> w = new ArrayList<>();
    w.add("nemospawn team status " + teamId);
    w.add("nemospawn task list --team " + teamId);
    w.add("nemospawn inbox peek --team " + teamId + " --agent leader");
    if (hpo.isPresent()) {
      w.add("nemospawn hpo trials --study " + studyName(teamId));
    }
    w.add("nemospawn artifact list --team " + teamId);
    return w;
  }

  /** Returns the plan as the human-readable text {@code launch run --dry-run} prints. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append("Launch plan: template '")
        .append(template)
        .append("' (")
        .append(source)
        .append(")\n");
    b.append("  team:      ").append(teamName).append(" (id assigned at launch)\n");
    b.append("  goal:      ").append(oneLine(goal)).append('\n');
    b.append("  state:     ").append(dataDir.resolve("teams")).append("/<team-id>\n");
    b.append("  GPUs:      ")
        .append(gpus.isEmpty() ? "none: workers run without GPUs" : gpus.toString())
        .append('\n');
    if (hpo.isPresent()) {
      b.append("  HPO study: ").append(studyName("<team-id>")).append("\n");
    }
    b.append('\n').append("Agents (").append(agents().size()).append("):\n");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAME", "ROLE", "GPUS", "AGENT", "RUNTIME", "TASK"));
    for (PlannedAgent a : agents()) {
      rows.add(List.of(
          a.name(),
          a.role(),
          a.gpus().isEmpty() ? "-" : gpuList(a.gpus()),
          a.agent(),
          a.runtime(),
          a.taskKey().isEmpty() ? "-" : a.taskKey()));
    }
    table(b, rows);
    b.append('\n').append("Task DAG (").append(tasks.size()).append(" tasks):\n");
    rows = new ArrayList<>();
    rows.add(List.of("TASK", "OWNER", "AFTER", "TITLE"));
    for (PlannedTask t : tasks) {
      rows.add(List.of(
          t.key(),
          t.owner(),
          t.blockedBy().isEmpty() ? "-" : String.join(",", t.blockedBy()),
          oneLine(t.title())));
    }
    table(b, rows);
    if (!notes.isEmpty()) {
      b.append('\n').append("Notes:\n");
      for (String n : notes) {
        b.append("  - ").append(n).append('\n');
      }
    }
    b.append('\n').append("Watch (after launch):\n");
    for (String w : watchCommands("<team-id>")) {
      b.append("  ").append(w).append('\n');
    }
    return b.toString();
  }

  private static String gpuList(List<Integer> gpus) {
    StringBuilder b = new StringBuilder();
    for (int g : gpus) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(g);
    }
    return b.toString();
  }

  private static String oneLine(String s) {
    String t = s.replace("\r", "").replace('\n', ' ').strip();
    return t.length() > 72 ? t.substring(0, 69) + "..." : t;
  }

  private static void table(StringBuilder b, List<List<String>> rows) {
    int[] width = new int[rows.get(0).size()];
    for (List<String> r : rows) {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    for (List<String> r : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < r.size(); i++) {
        line.append(r.get(i));
        if (i < r.size() - 1) {
          line.append(" ".repeat(width[i] - r.get(i).length() + 2));
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
  }

  /**
   * One agent of a plan.
   *
   * @param name its name in the team
   * @param role leader, or the worker's role
   * @param gpus the GPUs it gets (empty: none)
   * @param agent what runs it: {@code demo}, {@code profile:<name>} or the command
   * @param runtime tmux, process or sandbox
   * @param taskKey the key of its task in {@link #tasks()}, or an empty string
   * @param prompt its task text, verbatim
   * @param env extra environment variables it is started with (such as {@code
   *     NEMOSPAWN_NEMO_OVERRIDES}); empty for none
   */
  public record PlannedAgent(
      String name,
      String role,
      List<Integer> gpus,
      String agent,
      String runtime,
      String taskKey,
      String prompt,
      Map<String, String> env) {
    /** Validates and copies. */
    public PlannedAgent {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      gpus = List.copyOf(gpus);
      Objects.requireNonNull(agent, "agent");
      Objects.requireNonNull(runtime, "runtime");
      taskKey = taskKey == null ? "" : taskKey;
      prompt = prompt == null ? "" : prompt;
      env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
    }

    /** Returns an agent with no extra environment. */
    public PlannedAgent(
        String name,
        String role,
        List<Integer> gpus,
        String agent,
        String runtime,
        String taskKey,
        String prompt) {
      this(name, role, gpus, agent, runtime, taskKey, prompt, Map.of());
    }

    /** Returns whether the built-in demo agent runs it. */
    public boolean isDemo() {
      return agent.equals(LaunchOptions.DEMO);
    }
  }

  /**
   * One task of a plan's DAG.
   *
   * @param key its key (the owning worker's name, or {@code lead} for the leader's)
   * @param title its title, verbatim
   * @param owner the name of the agent that owns it
   * @param blockedBy keys of the tasks it waits for
   */
  public record PlannedTask(String key, String title, String owner, List<String> blockedBy) {
    /** Validates and copies. */
    public PlannedTask {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(title, "title");
      Objects.requireNonNull(owner, "owner");
      blockedBy = List.copyOf(blockedBy);
    }
  }
}
