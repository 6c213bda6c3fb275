package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.launch.Launch;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.LaunchSummary;
import io.nemospawn.launch.Launcher;
import io.nemospawn.launch.Template;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nemospawn launch run|templates}: one-command team launches from templates. */
@Command(
    name = "launch",
    mixinStandardHelpOptions = true,
    description = "Launches a team from a template: team, leader, workers on GPUs, task DAG.",
    subcommands = {LaunchCommand.Run.class, LaunchCommand.Templates.class})
final class LaunchCommand {

  /** {@code launch run}. */
  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Plans and starts a team from a built-in template or a TOML file, shows"
          + " progress and ends with a summary. --dry-run prints the plan and touches nothing.")
  static final class Run extends StateSubcommand {
    @Parameters(
        index = "0",
        paramLabel = "TEMPLATE",
        description = "A built-in template (see `launch templates`) or a .toml file.")
    String template;

    @Option(
        names = "--gpus",
        paramLabel = "LIST",
        description = "GPUs the team may use: 0-7, 0,1,4 … (default: none).")
    String gpus = "";

    @Option(
        names = "--goal",
        paramLabel = "TEXT",
        description = "The team's goal, given to the leader (default: the template's description).")
    String goal = "";

    @Option(
        names = "--agent-cmd",
        paramLabel = "CMD",
        description = "Command every agent runs; `demo` is the built-in demo agent (default: a"
            + " profile, else claude/codex when installed, else demo).")
    String agentCmd = "";

    @Option(names = "--profile", paramLabel = "P", description = "Agent profile for workers.")
    String profile = "";

    @Option(
        names = "--runtime",
        paramLabel = "R",
        description = "tmux, process, sandbox or slurm (every agent a SLURM job).")
    String runtime = "";

    @Option(
        names = "--team-name",
        paramLabel = "NAME",
        description = "Name of the team (default: the template's name).")
    String teamName = "";

    @Option(names = "--share-gpus", description = "Allow two workers on one GPU when too few.")
    boolean shareGpus;

    @Option(names = "--dry-run", description = "Print the plan and touch nothing.")
    boolean dryRun;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        description = "How long to wait for the team, e.g. PT30M (default: PT30M).")
    Duration timeout = Duration.ofMinutes(30);

    @Override
    public Integer call() throws InterruptedException {
      LaunchOptions options = LaunchOptions.builder()
          .gpus(LaunchOptions.parseGpus(gpus))
          .goal(goal)
          .agentCommand(agentCmd)
          .profile(profile)
          .runtime(runtime)
          .teamName(teamName)
          .shareGpus(shareGpus)
          .build();
      try (NemoSpawn ns = state.open()) {
        Launcher launcher = Launcher.of(ns);
        LaunchPlan plan = launcher.plan(launcher.template(template), options);
        if (dryRun) {
          if (out.json()) {
            out.json(planJson(plan));
          } else {
            out.out().print(plan.toText());
            out.println("Dry run: nothing was created.");
          }
          return ExitCodes.OK;
        }
        if (!out.json()) {
          out.out().print(plan.toText());
          out.out().flush();
        }
        java.time.Instant t0 = java.time.Instant.now();
        try (Launch launch = launcher.start(plan);
            Subscription s = launch.onProgress(p -> {
              if (!out.json()) {
                out.println(String.format(
                    "%7.1fs %s", Duration.between(t0, p.at()).toMillis() / 1000.0, p.toText()));
              }
            })) {
          if (!out.json()) {
            out.println("");
            out.println(
                "Launched team " + launch.team().id() + " in " + launch.team().dir());
            out.println("Watch it from another terminal with:");
            for (String w : watch(plan, launch)) {
              out.println("  " + w);
            }
            out.println("");
          }
          boolean finished = launch.awaitFinished(timeout);
          LaunchSummary summary = launch.summary();
          if (out.json()) {
            out.json(summaryJson(summary, finished));
          } else {
            out.println("");
            if (!finished) {
              out.println("Timed out after " + timeout + "; stopping the agents.");
            }
            out.out().print(summary.toText());
            out.out().flush();
          }
          return finished && summary.succeeded() ? ExitCodes.OK : ExitCodes.FAILURE;
        }
      }
    }

    private List<String> watch(LaunchPlan plan, Launch launch) {
      List<String> w = new ArrayList<>();
      for (String c : plan.watchCommands(launch.team().id())) {
        w.add(state.dataDir == null ? c : c + " --data-dir " + state.dataDir());
      }
      return w;
    }
  }

  /** {@code launch templates}. */
  @Command(
      name = "templates",
      mixinStandardHelpOptions = true,
      description = "Lists the built-in templates.")
  static final class Templates extends StateSubcommand {
    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        List<Template> all = Launcher.of(ns).templates();
        if (out.json()) {
          List<Object> list = new ArrayList<>();
          for (Template t : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("description", t.description());
            m.put("min_gpus", t.minGpus());
            m.put("workers", t.workers().stream().map(Template.Worker::name).toList());
            m.put("hpo_study", t.hpo().study());
            list.add(m);
          }
          out.json(list);
        } else {
          List<List<String>> rows = new ArrayList<>();
          for (Template t : all) {
            rows.add(List.of(
                t.name(),
                Integer.toString(t.minGpus()),
                Integer.toString(t.workers().size()),
                t.hpo().isPresent() ? "yes" : "no",
                t.description()));
          }
          out.table(List.of("NAME", "MIN_GPUS", "WORKERS", "HPO", "DESCRIPTION"), rows);
        }
        return ExitCodes.OK;
      }
    }
  }

  static Map<String, Object> planJson(LaunchPlan plan) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("template", plan.template());
    m.put("source", plan.source());
    m.put("team_name", plan.teamName());
    m.put("goal", plan.goal());
    m.put("data_dir", plan.dataDir().toString());
    m.put("gpus", plan.gpus());
    List<Object> agents = new ArrayList<>();
    for (LaunchPlan.PlannedAgent a : plan.agents()) {
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("name", a.name());
      am.put("role", a.role());
      am.put("gpu_ids", a.gpus());
      am.put("agent", a.agent());
      am.put("runtime", a.runtime());
      am.put("task", a.taskKey());
      agents.add(am);
    }
    m.put("agents", agents);
    List<Object> tasks = new ArrayList<>();
    for (LaunchPlan.PlannedTask t : plan.tasks()) {
      Map<String, Object> tm = new LinkedHashMap<>();
      tm.put("key", t.key());
      tm.put("title", t.title());
      tm.put("owner", t.owner());
      tm.put("blocked_by", t.blockedBy());
      tasks.add(tm);
    }
    m.put("tasks", tasks);
    m.put("hpo_study", plan.hpo().study());
    m.put("notes", plan.notes());
    m.put("watch", plan.watchCommands("<team-id>"));
    return m;
  }

  static Map<String, Object> summaryJson(LaunchSummary s, boolean finished) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("team_id", s.teamId());
    m.put("template", s.template());
    m.put("finished", finished);
    m.put("succeeded", s.succeeded());
    m.put("elapsed_seconds", s.elapsed().toMillis() / 1000.0);
    m.put("tasks_done", s.tasksDone());
    m.put("tasks_failed", s.tasksFailed());
    m.put("tasks_total", s.tasksTotal());
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("study", s.study().study());
    st.put("trials", s.study().trials());
    st.put("complete", s.study().complete());
    st.put("pruned", s.study().pruned());
    st.put("failed", s.study().failed());
    st.put("startup_trials", s.study().startupTrials());
    st.put("best_startup_value", nan(s.study().bestStartupValue()));
    st.put("best_modelled_value", nan(s.study().bestModelledValue()));
    st.put("early_step", s.study().earlyStep());
    st.put("startup_median_early", nan(s.study().startupMedianEarly()));
    st.put("modelled_median_early", nan(s.study().modelledMedianEarly()));
    st.put("best_trial", s.study().bestTrial());
    st.put("best_value", nan(s.study().bestValue()));
    st.put("best_params", s.study().bestParams());
    m.put("hpo", st);
    m.put("promoted_artifact_id", s.promotedArtifactId());
    m.put(
        "promoted_artifact_path",
        s.promotedArtifactPath() == null ? null : s.promotedArtifactPath().toString());
    m.put("promoted_val_loss", nan(s.promotedValLoss()));
    m.put("gpu_hours", s.gpuHours());
    m.put("state_dir", s.stateDir().toString());
    return m;
  }

  private static @Nullable Object nan(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
