package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TaskTrials;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import io.nemospawn.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code nemospawn task create|update|list|show|wait|claim}. */
@Command(
    name = "task",
    mixinStandardHelpOptions = true,
    description = "Creates, updates, lists, shows, waits for and claims tasks of a team's DAG.",
    subcommands = {
      TaskCommand.Create.class,
      TaskCommand.Update.class,
      TaskCommand.ListTasks.class,
      TaskCommand.Show.class,
      TaskCommand.Wait.class,
      TaskCommand.Claim.class
    })
final class TaskCommand {
  private TaskCommand() {}

  /** Parses a status, as a usage error naming the valid ones. */
  static TaskState status(CommandSpec spec, String text) {
    try {
      return TaskState.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** Parses {@code key=value} entries; values that read as numbers or booleans are typed. */
  static Map<String, Object> metadata(CommandSpec spec, List<String> entries) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String e : entries) {
      int eq = e.indexOf('=');
      if (eq <= 0) {
        throw new ParameterException(
            spec.commandLine(),
            "Invalid --metadata '" + io.nemospawn.spi.StateFormat.printable(e)
                + "': expected KEY=VALUE, e.g. --metadata lr=3e-4");
      }
      m.put(e.substring(0, eq), typed(e.substring(eq + 1)));
    }
    return m;
  }

  private static Object typed(String v) {
    if (v.equals("true") || v.equals("false")) {
      return Boolean.valueOf(v);
    }
    if (v.matches("-?\\d{1,18}")) {
      return Long.valueOf(v);
    }
    if (v.matches("-?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")) {
      double d = Double.parseDouble(v);
      if (Double.isFinite(d)) {
        return d;
      }
    }
    return v;
  }

  static void printTask(Output out, Task t) {
    if (out.json()) {
      out.json(CoreViews.task(t));
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("task_id", t.id()));
    rows.add(List.of("title", t.title()));
    if (!t.description().isEmpty()) {
      rows.add(List.of("description", t.description()));
    }
    rows.add(List.of("status", t.state().wireName()));
    rows.add(List.of("owner", t.hasOwner() ? t.owner() : "-"));
    rows.add(List.of("blocked_by", CoreViews.list(t.blockedBy())));
    if (t.lease().isPresent()) {
      rows.add(List.of(
          "lease", t.lease().owner() + " until " + CoreViews.time(t.lease().expiresAt())));
    }
    t.metadata().forEach((k, v) -> rows.add(List.of("metadata." + k, String.valueOf(v))));
    rows.add(List.of("created_at", CoreViews.time(t.createdAt())));
    rows.add(List.of("updated_at", CoreViews.time(t.updatedAt())));
    out.table(List.of("FIELD", "VALUE"), rows);
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Creates a task: pending, or blocked while it has unfinished dependencies.")
  static final class Create extends TeamArgSubcommand {

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "TITLE",
        description = "Title, verbatim (or give --title).")
    @Nullable
    String arg1;

    @Option(names = "--title", paramLabel = "TEXT", description = "Title, verbatim.")
    @Nullable
    String title;

    @Option(
        names = {"-d", "--description"},
        paramLabel = "TEXT",
        description = "Description.")
    String description = "";

    @Option(
        names = {"-o", "--owner"},
        paramLabel = "AGENT",
        description = "Assigned agent id.")
    String owner = "";

    @Option(
        names = "--blocked-by",
        split = ",",
        paramLabel = "IDS",
        description = "Comma-separated ids of the tasks it depends on.")
    List<String> blockedBy = new ArrayList<>();

    @Option(names = "--val-loss", paramLabel = "X", description = "Initial val_loss.")
    @Nullable
    Double valLoss;

    @Option(
        names = "--artifact",
        paramLabel = "TYPE",
        description = "Type of artifact the task should produce (metadata artifact_type):"
            + " nemo-checkpoint, lora-adapter, nim-container, dataset, benchmark, reward-signal"
            + " or config-patch.")
    @Nullable
    String artifact;

    @Option(
        names = "--metadata",
        paramLabel = "KEY=VALUE",
        description = "Metadata entry; repeatable. Numbers and true/false are typed.")
    List<String> metadata = new ArrayList<>();

    private TaskSpec task;

    @Override
    @Initializer
    void parse() {
      String text = title != null ? title : arg(arg1, "TITLE");
      if (title != null) {
        args(Collections.singletonList(arg1));
      }
      Map<String, Object> m = metadata(spec, metadata);
      if (artifact != null) {
        try {
          m.put("artifact_type", ArtifactType.parse(artifact).wireName());
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), "Invalid --artifact: " + e.getMessage());
        }
      }
      if (valLoss != null) {
        m.put("val_loss", valLoss);
      }
      task = new TaskSpec(text, description, owner, blockedBy, m);
    }

    @Override
    int run(Team tm) {
      CoreViews.warnUnknownOwner(out, tm, owner);
      Task t = tm.tasks().create(task);
      if (out.json()) {
        out.json(CoreViews.task(t));
      } else {
        out.println("Created task " + t.id() + " [" + t.state().wireName() + "]");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = "Changes a task's status, owner, val_loss or metadata.")
  static final class Update extends TeamArgSubcommand {

    @Parameters(index = "1", arity = "0..1", paramLabel = "TASK_ID", description = "The task.")
    @Nullable
    String arg1;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "pending, blocked, running, done, failed or cancelled (NemoSpawn 1.0's"
            + " in_progress and completed mean running and done).")
    @Nullable
    String status;

    @Option(
        names = {"-o", "--owner"},
        paramLabel = "AGENT",
        description = "New owner (\"\" clears).")
    @Nullable
    String owner;

    @Option(
        names = "--val-loss",
        paramLabel = "X",
        description = "Records val_loss. A task linked to an HPO trial (metadata hpo_study and"
            + " hpo_trial) also reports it to the trial: an intermediate value while running, the"
            + " final value when done.")
    @Nullable
    Double valLoss;

    @Option(
        names = "--step",
        paramLabel = "K",
        description = "Step of an intermediate --val-loss for the linked HPO trial (default: one"
            + " past the trial's last step).")
    @Nullable
    Integer step;

    @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Metadata; repeatable.")
    List<String> metadata = new ArrayList<>();

    private String taskId;
    private TaskUpdate u;

    @Override
    @Initializer
    void parse() {
      taskId = arg(arg1, "TASK_ID");
      u = new TaskUpdate(
          status == null ? null : status(spec, status), owner, metadata(spec, metadata));
      if (valLoss != null) {
        u = u.withValLoss(valLoss);
      }
      if (u.state() == null && u.owner() == null && u.metadata().isEmpty()) {
        throw new ParameterException(
            spec.commandLine(),
            "Nothing to update for " + taskId
                + ": give --status, --owner, --val-loss or --metadata");
      }
      if (step != null) {
        u = u.withMetadata(Hpo.TASK_STEP_KEY, step);
      }
    }

    @Override
    int run(Team tm) {
      Tasks tasks = tm.tasks();
      Task before = tasks.get(taskId);
      CoreViews.warnUnknownOwner(out, tm, u.owner());
      // The library's HPO task hook checks the link before saving and reports to the trial.
      Task t = tasks.update(taskId, u);
      boolean applied = valLoss != null || t.state() != before.state();
      Optional<TaskTrials.Outcome> hpo = applied ? outcome(state.dataDir(), t) : Optional.empty();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>(CoreViews.task(t));
        hpo.ifPresent(o -> m.put(
            "hpo",
            Map.of(
                "study", o.link().study(),
                "trial", o.link().trial(),
                "step", o.step(),
                "prune", o.prune(),
                "trial_state", o.state().name().toLowerCase(java.util.Locale.ROOT))));
        out.json(m);
      } else {
        out.println("Updated task " + t.id() + " ["
            + (before.state() == t.state()
                ? t.state().wireName()
                : before.state().wireName() + " -> " + t.state().wireName())
            + "]");
        hpo.ifPresent(o -> out.println(
            o.prune()
                ? "HPO trial " + o.link().trial() + " of study " + o.link().study()
                    + " was pruned at step " + o.step()
                    + ": stop this run and mark the task done."
                : "HPO trial " + o.link().trial() + " of study " + o.link().study() + ": "
                    + (o.step() >= 0
                        ? "reported step " + o.step()
                        : "now " + o.state().name().toLowerCase(java.util.Locale.ROOT))));
      }
      return ExitCodes.OK;
    }
  }

  /**
   * Describes what the HPO task hook did to the trial of a saved update (see {@link
   * TaskTrials#apply}), from the trial as it is now: finished by a final value or a failure, or
   * still running or pruned at its last step; empty when the task reports nothing to a trial or
   * its study or trial does not exist.
   */
  private static Optional<TaskTrials.Outcome> outcome(Path dataDir, Task t) {
    Optional<TaskTrials.Link> link = TaskTrials.link(t);
    boolean failed = t.state() == TaskState.FAILED || t.state() == TaskState.CANCELLED;
    if (link.isEmpty()
        || (t.valLoss().isEmpty() && !failed)
        || !Files.isRegularFile(Hpo.storageFile(dataDir, link.get().study()))) {
      return Optional.empty();
    }
    TaskTrials.Link l = link.get();
    try (Study s = Hpo.open(dataDir, l.study())) {
      Optional<FrozenTrial> trial =
          s.trials().stream().filter(tr -> tr.number() == l.trial()).findFirst();
      if (trial.isEmpty()) {
        return Optional.empty();
      }
      TrialState now = trial.get().state();
      if (failed
          || t.state() == TaskState.DONE
          || (now != TrialState.RUNNING && now != TrialState.PRUNED)) {
        return Optional.of(new TaskTrials.Outcome(l, -1, false, now));
      }
      // Running: the hook reported at its last step; pruned: by that report or an earlier one,
      // either way the run should stop.
      return Optional.of(new TaskTrials.Outcome(
          l, trial.get().lastStep().orElse(-1), now == TrialState.PRUNED, now));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists tasks.")
  static final class ListTasks extends TeamArgSubcommand {

    @Option(names = "--status", paramLabel = "STATUS", description = "Only tasks in this status.")
    @Nullable
    String status;

    @Option(
        names = {"-o", "--owner", "--agent"},
        paramLabel = "AGENT",
        description = "Only this owner's.")
    @Nullable
    String owner;

    private @Nullable TaskState only;

    @Override
    @Initializer
    void parse() {
      super.parse();
      only = status == null ? null : status(spec, status);
    }

    @Override
    int run(Team tm) {
      Listing<Task> all = tm.tasks().list();
      List<Task> shown = all.items().stream()
          .filter(t -> only == null || t.state() == only)
          .filter(t -> owner == null || owner.equals(t.owner()))
          .toList();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tasks", shown.stream().map(CoreViews::task).toList());
        m.put("problems", CoreViews.problems(all));
        out.json(m);
      } else {
        if (shown.isEmpty()) {
          out.println("No tasks" + (only == null ? "" : " in status " + only.wireName())
              + (owner == null ? "" : " owned by " + owner));
        } else {
          List<List<String>> rows = new ArrayList<>();
          for (Task t : shown) {
            rows.add(List.of(
                t.id(),
                CoreViews.shorten(t.title(), 50),
                t.hasOwner() ? t.owner() : "-",
                t.state().wireName(),
                CoreViews.list(t.blockedBy()),
                t.valLoss().isPresent() ? String.valueOf(t.valLoss().getAsDouble()) : "-"));
          }
          out.table(List.of("TASK_ID", "TITLE", "OWNER", "STATUS", "BLOCKED_BY", "VAL_LOSS"), rows);
        }
        CoreViews.reportProblems(out, all, "task");
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows one task.")
  static final class Show extends TeamArgSubcommand {

    @Parameters(index = "1", arity = "0..1", paramLabel = "TASK_ID", description = "The task.")
    @Nullable
    String arg1;

    private String taskId;

    @Override
    @Initializer
    void parse() {
      taskId = arg(arg1, "TASK_ID");
    }

    @Override
    int run(Team t) {
      printTask(out, t.tasks().get(taskId));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "wait",
      mixinStandardHelpOptions = true,
      description = "Waits until every given task is done, failed or cancelled; exit 1 on timeout.")
  static final class Wait extends TeamSubcommand {
    @Parameters(
        index = "0..*",
        arity = "1..*",
        paramLabel = "[TEAM_ID] TASK_ID",
        description = "The tasks, after the team as in NemoSpawn 1.0 (or give --team, or set"
            + " $NEMOSPAWN_TEAM).")
    List<String> args = new ArrayList<>();

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        description = "Gives up after this many seconds (default: ${DEFAULT-VALUE}).")
    long timeout = 300;

    private List<String> taskIds = List.of();

    @Override
    @Initializer
    void parse() {
      if (timeout < 0) {
        throw new IllegalArgumentException(
            "Invalid --timeout " + timeout + ": use a number of seconds >= 0");
      }
      taskIds = args;
      if (args.size() >= 2 && team.optionOrEnvironment() == null) {
        takeTeam(); // no other team is given: the first argument is the team
      }
    }

    /**
     * Takes the first argument as the team where it is one: when it equals --team, and, with a
     * team from $NEMOSPAWN_TEAM only, when it is no task of that team but a team of its own (the
     * case without a given team is settled in {@link #parse}).
     */
    @Override
    void prepare(NemoSpawn ns) {
      String given = team.optionOrEnvironment();
      if (args.size() < 2 || given == null) {
        return;
      }
      String first = args.get(0);
      if (given.equals(first)
          || !team.hasOption()
              && ns.findTeam(given).map(t -> t.tasks().find(first).isEmpty()).orElse(true)
              && ns.findTeam(first).isPresent()) {
        takeTeam();
      }
    }

    private void takeTeam() {
      team.positional(args.get(0));
      taskIds = args.subList(1, args.size());
    }

    @Override
    int run(Team tm) throws InterruptedException {
      Tasks tasks = tm.tasks();
      boolean finished = tasks.awaitAllFinished(taskIds, Duration.ofSeconds(timeout));
      List<Task> now = taskIds.stream().map(tasks::get).toList();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("finished", finished);
        m.put("tasks", now.stream().map(CoreViews::task).toList());
        out.json(m);
      } else {
        for (Task t : now) {
          out.println(t.id() + " " + t.state().wireName());
        }
      }
      if (!finished) {
        out.err()
            .println("Error: timed out after " + timeout + " s waiting for "
                + String.join(
                    ", ",
                    now.stream()
                        .filter(t -> !t.state().isFinished())
                        .map(t -> t.id() + " (" + t.state().wireName() + ")")
                        .toList())
                + "; wait longer with --timeout SECONDS");
        out.err().flush();
        return ExitCodes.FAILURE;
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "claim",
      mixinStandardHelpOptions = true,
      description = "Claims a pending task for the agent (pending -> running with a lease);"
          + " without TASK_ID, the oldest one free for the agent.")
  static final class Claim extends TeamArgSubcommand {

    @Mixin
    AgentOption agent;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "TASK_ID",
        description = "The task; with one argument it is the task, and the team comes from"
            + " --team or $NEMOSPAWN_TEAM; with none, the oldest task free for the agent.")
    @Nullable
    String arg1;

    @Option(
        names = "--lease",
        paramLabel = "SECONDS",
        description = "Lease length; renew by claiming again (default: ${DEFAULT-VALUE}).")
    long lease = 600;

    private @Nullable String taskId;
    private String me;

    @Override
    @Initializer
    void parse() {
      taskId = teamId == null ? null : arg(arg1, "TASK_ID");
      me = agent.agent();
      if (lease <= 0) {
        throw new IllegalArgumentException(
            "Invalid --lease " + lease + ": use a number of seconds > 0, e.g. --lease 600");
      }
    }

    @Override
    int run(Team team) {
      Tasks tasks = team.tasks();
      Optional<Task> t;
      if (taskId == null) {
        t = tasks.claimNext(me, Duration.ofSeconds(lease));
      } else {
        Task cur = tasks.get(taskId);
        boolean renew = cur.state() == TaskState.RUNNING
            && cur.lease().owner().equals(me)
            && !cur.lease().isExpired(java.time.Instant.now());
        t = Optional.of(
            renew
                ? tasks.renew(taskId, me, Duration.ofSeconds(lease))
                : tasks.claim(taskId, me, Duration.ofSeconds(lease)));
      }
      if (t.isEmpty()) {
        if (out.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("task", null);
          out.json(m);
        }
        out.err()
            .println("Error: no pending task is free for agent " + me
                + "; see them with: nemospawn task list --status pending");
        out.err().flush();
        return ExitCodes.FAILURE;
      }
      if (out.json()) {
        out.json(CoreViews.task(t.get()));
      } else {
        out.println("Claimed task " + t.get().id() + " for " + me + " until "
            + CoreViews.time(t.get().lease().expiresAt()) + ": "
            + t.get().title().replace("\n", "\\n"));
      }
      return ExitCodes.OK;
    }
  }
}
