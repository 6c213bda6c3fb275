package io.nemospawn.core.internal.launch;

import io.nemospawn.Config;
import io.nemospawn.ConfigKey;
import io.nemospawn.InvalidSettingException;
import io.nemospawn.Remedied;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.LaunchPlan.PlannedAgent;
import io.nemospawn.launch.LaunchPlan.PlannedTask;
import io.nemospawn.launch.StudyBridge;
import io.nemospawn.launch.Template;
import io.nemospawn.topology.GpuTopology;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Turns a template and options into a {@link LaunchPlan}. Pure: reads the configuration, the
 * profile names and the PATH, writes nothing. Thread-safe.
 */
final class Planner {
  /** Runtimes a worker may name. */
  static final List<String> RUNTIMES = List.of("tmux", "process", "sandbox", "ssh", "slurm");

  /** Agent CLIs looked for on the PATH, in order, when no agent is named. */
  static final List<String> AGENT_CLIS = List.of("claude", "codex");

  /** The key of the leader's task. */
  static final String LEAD = "lead";

  private final Path dataDir;
  private final Config config;
  private final Profiles profiles;
  private final Predicate<String> onPath;
  private final Optional<StudyBridge> studies;
  private final Supplier<GpuTopology> topology;

  Planner(
      Path dataDir,
      Config config,
      Profiles profiles,
      Predicate<String> onPath,
      Optional<StudyBridge> studies,
      Supplier<GpuTopology> topology) {
    this.topology = topology;
    this.dataDir = dataDir;
    this.config = config;
    this.profiles = profiles;
    this.onPath = onPath;
    this.studies = studies;
  }

  LaunchPlan plan(Template t, LaunchOptions o) {
    List<String> notes = new ArrayList<>();
    String teamName = o.teamName().isEmpty() ? t.name() : o.teamName();
    io.nemospawn.spi.StateFormat.requireIdPrefix("team name", teamName);

    // GPUs: min_gpus first, then placement.
    List<Integer> gpus = o.gpus();
    if (gpus.size() < t.minGpus()) {
      throw new InvalidSettingException(
          List.of("gpus"),
          "Template '" + t.name() + "' needs at least " + t.minGpus() + " GPUs (min_gpus = "
              + t.minGpus() + ") but the launch was given " + gpus.size()
              + (gpus.isEmpty() ? "" : " " + gpus) + ". Give it more GPUs (e.g. 0-"
              + (t.minGpus() - 1) + "), or choose a template that runs without GPUs"
              + " (autoresearch, data-curation).");
    }
    Map<String, List<Integer>> placed = GpuPlacement.place(
        t,
        gpus,
        o.shareGpus(),
        notes,
        gpus.isEmpty() || t.totalGpus() == 0 ? GpuTopology.empty() : topology.get());
    if (gpus.isEmpty()) {
      notes.add("No GPUs given: workers run without GPUs (CUDA_VISIBLE_DEVICES is empty)"
          + (t.totalGpus() > 0
              ? "; the template asks for " + t.totalGpus() + " (give them in the launch's gpus)"
              : "")
          + ". GPU-hours will be 0.");
    }

    // Which agent runs each worker.
    String defaultAgent = defaultAgent(o, notes);
    String defaultRuntime = defaultRuntime(o, notes);
    List<PlannedAgent> workers = new ArrayList<>();
    Set<String> demoRoles = new LinkedHashSet<>();
    for (Template.Worker w : t.workers()) {
      String agent = defaultAgent;
      if (o.agentCommand().isEmpty() && !w.profile().isEmpty()) {
        agent = "profile:"
            + checkProfile(
                w.profile(),
                "worker '" + w.name() + "' (" + TemplateParser.at(t.source(), w.line()) + ")");
      }
      String runtime = w.runtime().isEmpty()
          ? defaultRuntime
          : checkRuntime(
              w.runtime(),
              "worker '" + w.name() + "' (" + TemplateParser.at(t.source(), w.line()) + ")");
      workers.add(new PlannedAgent(
          w.name(),
          w.role(),
          placed.getOrDefault(w.name(), List.of()),
          agent,
          runtime,
          w.name(),
          w.task() + NemoPrompt.section(w),
          NemoPrompt.env(w)));
      boolean rlhf = t.workers().stream().anyMatch(x -> x.role().equals("reward-model"));
      boolean demoCanDo = DemoRoles.KNOWN.contains(w.role())
          && (!w.role().equals("trainer") || t.hpo().isPresent() || rlhf)
          && (!w.role().equals("reward-model") || rlhf);
      if (agent.equals(LaunchOptions.DEMO) && !demoCanDo) {
        demoRoles.add(w.role());
      }
    }
    if (!demoRoles.isEmpty()) {
      notes.add("The demo agent has no behaviour for role(s) " + demoRoles
          + ": it will fail those tasks with a reason. It knows the roles " + DemoRoles.KNOWN
          + " (trainer only with an [hpo] study or a reward-model worker); name a real agent (the"
          + " launch's profile or agent command) for those.");
    }
    String goal = o.goal().isEmpty() ? t.description() : o.goal();
    PlannedAgent leader = new PlannedAgent(
        "leader", "leader", List.of(), defaultAgent, defaultRuntime, LEAD, leaderPrompt(goal));

    // Tasks: one per worker, in dependency order, then the leader's.
    List<PlannedTask> tasks = new ArrayList<>();
    Set<String> done = new LinkedHashSet<>();
    while (done.size() < t.workers().size()) {
      for (Template.Worker w : t.workers()) {
        if (!done.contains(w.name()) && done.containsAll(w.blockedBy())) {
          String title = w.task().isBlank() ? w.role() + " work of " + w.name() : w.task();
          tasks.add(new PlannedTask(w.name(), title, w.name(), w.blockedBy()));
          done.add(w.name());
        }
      }
    }
    Set<String> depended =
        t.workers().stream().flatMap(w -> w.blockedBy().stream()).collect(Collectors.toSet());
    List<String> sinks = t.workers().stream()
        .map(Template.Worker::name)
        .filter(n -> !depended.contains(n))
        .toList();
    tasks.add(new PlannedTask(
        LEAD, "Review the team's results and promote the best artifact", "leader", sinks));

    // The shared study.
    if (t.hpo().isPresent()) {
      if (studies.isPresent()) {
        studies.get().validate(t.hpo().toml(), t.source());
      } else {
        throw new IllegalArgumentException("Template '" + t.name() + "' has an [hpo] section but"
            + " no HPO module is on the class path; add io.nemospawn:nemospawn-hpo and"
            + " io.nemospawn:nemospawn-demo (the nemospawn CLI has both), or remove [hpo].");
      }
    }
    return new LaunchPlan(
        t.name(),
        t.source(),
        teamName,
        goal,
        dataDir,
        gpus,
        leader,
        workers,
        tasks,
        t.hpo(),
        notes);
  }

  private static String leaderPrompt(String goal) {
    return "You lead this team. Goal: " + goal + "\nWatch the task graph and your inbox, answer"
        + " questions, and when the other tasks are done review the results and promote the best"
        + " artifact.";
  }

  private String defaultAgent(LaunchOptions o, List<String> notes) {
    if (!o.agentCommand().isEmpty()) {
      return o.agentCommand();
    }
    if (!o.profile().isEmpty()) {
      return "profile:" + checkProfile(o.profile(), "the launch's profile");
    }
    Config.Value dp = config.get(ConfigKey.DEFAULT_PROFILE);
    if (!dp.value().isBlank()) {
      return "profile:" + checkProfile(dp.value(), "setting default_profile (" + dp.source() + ")");
    }
    for (String cli : AGENT_CLIS) {
      if (onPath.test(cli)) {
        notes.add("No agent named: using the " + cli + " agent CLI found on the PATH"
            + " (choose another with the launch's profile or agent command).");
        return "profile:" + cli;
      }
    }
    notes.add("No agent CLI (" + String.join(", ", AGENT_CLIS) + ") found on the PATH and none"
        + " named: using the built-in demo agent (agent command 'demo'), which does real, small ML"
        + " work on the CPU.");
    return LaunchOptions.DEMO;
  }

  private String defaultRuntime(LaunchOptions o, List<String> notes) {
    if (!o.runtime().isEmpty()) {
      return checkRuntime(o.runtime(), "the launch's runtime", "runtime");
    }
    Config.Value r = config.get(ConfigKey.DEFAULT_RUNTIME);
    if (r.source() != Config.Source.DEFAULT) {
      return checkRuntime(
          r.value(),
          "setting default_runtime (" + r.source() + ")",
          ConfigKey.DEFAULT_RUNTIME.key());
    }
    if (onPath.test("tmux")) {
      return "tmux";
    }
    notes.add("tmux is not installed: agents run as plain processes (runtime 'process');"
        + " their output goes to log files in the team directory.");
    return "process";
  }

  private String checkProfile(String name, String where) {
    List<String> known = profiles.names();
    if (!known.contains(name)) {
      throw new Remedied.InvalidArgument(
          Remedied.Remedy.of(Remedied.Action.CREATE_PROFILE, name, ""),
          "Unknown profile '" + name + "' for " + where + "; profiles: " + known
              + ". Create it (Profiles.create) or choose one of those.");
    }
    return name;
  }

  private static String checkRuntime(String name, String where) {
    return checkRuntime(name, where, "");
  }

  /** {@code setting}: the setting that chose the runtime (for the caller's hint), or empty. */
  private static String checkRuntime(String name, String where, String setting) {
    if (!RUNTIMES.contains(name)) {
      String message =
          "Unknown runtime '" + name + "' for " + where + "; runtimes: " + RUNTIMES + ".";
      throw setting.isEmpty()
          ? new IllegalArgumentException(message)
          : new InvalidSettingException(List.of(setting), message);
    }
    return name;
  }

  /** The roles the demo agent acts on. */
  static final class DemoRoles {
    static final Set<String> KNOWN = new LinkedHashSet<>(List.of(
        "data",
        "trainer",
        "evaluator",
        "leader",
        "ingest",
        "clean",
        "deduplicate",
        "validate",
        "reward-model",
        "builder",
        "deployer",
        "benchmarker",
        "ranker",
        "server"));

    private DemoRoles() {}
  }
}
