package io.nemospawn.core.ops;

import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Adaptive scheduling: how loaded each agent is ({@link #analyze}), which queued tasks should move
 * and why ({@link #suggest}), moving one through the task API ({@link #apply}), and a loop that does
 * both on the team's clock ({@link #auto}). Pure reads but for {@link #apply}; deterministic for a
 * given state and clock. Thread-safe.
 *
 * <p>An agent's score is NemoSpawn 1.0's: 0.6 × the mean SM utilisation of its GPUs (from the
 * newest {@code metrics/dcgm_*.json}) + 0.4 × its completion rate in percent; without GPU metrics,
 * the completion rate alone.
 */
public final class Scheduler {
  /** NemoSpawn 1.0's default GPU utilisation threshold, in percent. */
  public static final double DEFAULT_THRESHOLD = 30.0;

  /** How long a running task may go without an update before it counts as stuck, by default. */
  public static final Duration DEFAULT_STUCK_AFTER = Duration.ofMinutes(30);

  private final FileTeam team;
  private final TeamContext ctx;

  private Scheduler(FileTeam team) {
    this.team = team;
    this.ctx = team.context();
  }

  /**
   * Returns the scheduler of a team opened from a data directory.
   *
   * @throws IllegalArgumentException for a team of another implementation
   */
  public static Scheduler of(Team team) {
    Objects.requireNonNull(team, "team");
    if (!(team instanceof FileTeam ft)) {
      throw new IllegalArgumentException("The scheduler needs a team opened from a data directory"
          + " (nemospawn-core's NemoSpawn.open); got " + team.getClass().getName());
    }
    return new Scheduler(ft);
  }

  /**
   * One agent's load.
   *
   * @param id the agent id
   * @param name its name
   * @param alive whether its process runs (status running or spawning, after reconciling)
   * @param gpuIds its GPUs
   * @param gpuUtil the mean SM utilisation of its GPUs in percent, or -1 when unknown
   * @param pending its pending tasks
   * @param blocked its blocked tasks
   * @param running its running tasks
   * @param done its done tasks
   * @param failed its failed tasks
   * @param score 1.0's score (see the class comment)
   */
  public record AgentLoad(
      String id,
      String name,
      boolean alive,
      List<Integer> gpuIds,
      double gpuUtil,
      int pending,
      int blocked,
      int running,
      int done,
      int failed,
      double score) {
    /** Copies. */
    public AgentLoad {
      gpuIds = List.copyOf(gpuIds);
    }

    /** Returns its queue: the tasks it owns that are not finished. */
    public int queue() {
      return pending + blocked + running;
    }

    /** Returns whether it runs and has nothing to do. */
    public boolean idle() {
      return alive && queue() == 0;
    }

    /** Returns the share of its finished tasks that are done, 0 to 1 (0 without any). */
    public double completionRate() {
      int all = queue() + done + failed;
      return all == 0 ? 0 : (double) done / all;
    }
  }

  /**
   * One GPU of the team.
   *
   * @param index its index
   * @param smUtil SM utilisation in percent, or -1 without metrics
   * @param memUtil memory utilisation in percent, or -1 without metrics
   * @param agent the running agent that holds it, or an empty string
   */
  public record GpuUse(int index, double smUtil, double memUtil, String agent) {}

  /**
   * A running task that makes no progress.
   *
   * @param taskId the task
   * @param title its title
   * @param owner its owner
   * @param reason why it counts as stuck
   */
  public record StuckTask(String taskId, String title, String owner, String reason) {}

  /**
   * What {@link #analyze} found.
   *
   * @param at when (the team's clock)
   * @param agents every agent, highest score first
   * @param gpus the team's GPUs and those of its agents
   * @param stuck running tasks that make no progress
   * @param unowned pending or blocked tasks nobody owns (any agent may claim them)
   * @param metricsAt the time of the GPU metrics used, or null without any
   */
  public record Analysis(
      Instant at,
      List<AgentLoad> agents,
      List<GpuUse> gpus,
      List<StuckTask> stuck,
      int unowned,
      @Nullable Instant metricsAt) {
    /** Copies. */
    public Analysis {
      agents = List.copyOf(agents);
      gpus = List.copyOf(gpus);
      stuck = List.copyOf(stuck);
    }

    /** Returns the names of the agents that run and have nothing to do. */
    public List<String> idleAgents() {
      return agents.stream().filter(AgentLoad::idle).map(AgentLoad::name).toList();
    }
  }

  /**
   * A suggested move.
   *
   * @param taskId the task
   * @param title its title
   * @param from its owner now (agent id)
   * @param to the agent it should go to (agent id)
   * @param reason why
   */
  public record Move(String taskId, String title, String from, String to, String reason) {}

  /**
   * One round of {@link #auto}.
   *
   * @param number 1, 2, …
   * @param at when it ran (the team's clock)
   * @param applied the moves made
   * @param failed moves that could not be made, each with the reason
   */
  public record Round(int number, Instant at, List<Move> applied, Map<String, String> failed) {
    /** Copies. */
    public Round {
      applied = List.copyOf(applied);
      failed = Map.copyOf(failed);
    }
  }

  // ------------------------------------------------------------------ analyze

  /** Analyzes with {@link #DEFAULT_STUCK_AFTER}. */
  public Analysis analyze() {
    return analyze(DEFAULT_STUCK_AFTER);
  }

  /**
   * Returns each agent's queue and score, the idle agents, GPU use and stuck tasks.
   *
   * @param stuckAfter how long a running task may go without an update
   */
  public Analysis analyze(Duration stuckAfter) {
    return analyze(stuckAfter, team.agents().list().items(), team.tasks().list().items());
  }

  private Analysis analyze(Duration stuckAfter, List<AgentInfo> agents, List<Task> tasks) {
    Instant now = ctx.now();
    Metrics metrics = latestMetrics();
    Map<String, AgentInfo> byKey = new HashMap<>();
    for (AgentInfo a : agents) {
      byKey.put(a.id(), a);
      byKey.putIfAbsent(a.name(), a);
    }
    Map<String, int[]> counts = new HashMap<>();
    List<StuckTask> stuck = new ArrayList<>();
    int unowned = 0;
    for (Task t : tasks) {
      AgentInfo owner = t.hasOwner() ? byKey.get(t.owner()) : null;
      if (owner == null) {
        if (!t.hasOwner() && (t.state() == TaskState.PENDING || t.state() == TaskState.BLOCKED)) {
          unowned++;
        }
      } else {
        int[] c = counts.computeIfAbsent(owner.id(), k -> new int[5]);
        switch (t.state()) {
          case PENDING -> c[0]++;
          case BLOCKED -> c[1]++;
          case RUNNING -> c[2]++;
          case DONE -> c[3]++;
          case FAILED -> c[4]++;
          default -> {}
        }
      }
      if (t.state() == TaskState.RUNNING) {
        stuckReason(t, owner, now, stuckAfter)
            .ifPresent(r -> stuck.add(new StuckTask(t.id(), t.title(), t.owner(), r)));
      }
    }
    List<AgentLoad> loads = new ArrayList<>();
    Map<Integer, String> holders = new TreeMap<>();
    for (AgentInfo a : agents) {
      boolean alive = AgentRecords.LEASING.contains(a.status());
      if (alive) {
        a.gpuIds().forEach(g -> holders.put(g, a.name()));
      }
      double util = metrics.meanSm(a.gpuIds());
      int[] c = counts.getOrDefault(a.id(), new int[5]);
      int all = c[0] + c[1] + c[2] + c[3] + c[4];
      double completion = all == 0 ? 0 : 100.0 * c[3] / all;
      double score = util >= 0 ? 0.6 * util + 0.4 * completion : completion;
      loads.add(new AgentLoad(
          a.id(), a.name(), alive, a.gpuIds(), util, c[0], c[1], c[2], c[3], c[4], score));
    }
    loads.sort(
        Comparator.comparingDouble(AgentLoad::score).reversed().thenComparing(AgentLoad::name));
    Set<Integer> gpuIndices = new java.util.TreeSet<>(team.info().gpuIds());
    gpuIndices.addAll(holders.keySet());
    List<GpuUse> gpus = new ArrayList<>();
    for (int g : gpuIndices) {
      double[] m = metrics.byGpu.getOrDefault(g, new double[] {-1, -1});
      gpus.add(new GpuUse(g, m[0], m[1], holders.getOrDefault(g, "")));
    }
    stuck.sort(Comparator.comparing(StuckTask::taskId));
    return new Analysis(now, loads, gpus, stuck, unowned, metrics.at);
  }

  private static Optional<String> stuckReason(
      Task t, @Nullable AgentInfo owner, Instant now, Duration stuckAfter) {
    if (t.hasOwner() && (owner == null || !AgentRecords.LEASING.contains(owner.status()))) {
      return Optional.of(
          owner == null
              ? "its owner " + t.owner() + " is not an agent of the team"
              : "its owner " + owner.name() + " is " + owner.status().wireName());
    }
    if (t.lease().isPresent() && t.lease().isExpired(now)) {
      return Optional.of(
          "its lease expired at " + StateFormat.formatTimestamp(t.lease().expiresAt()));
    }
    Duration quiet = Duration.between(t.updatedAt(), now);
    if (quiet.compareTo(stuckAfter) > 0) {
      return Optional.of(
          "no update for " + quiet.toSeconds() + " s (threshold " + stuckAfter.toSeconds() + " s)");
    }
    return Optional.empty();
  }

  /** The newest GPU metrics snapshot of the team. */
  private record Metrics(@Nullable Instant at, Map<Integer, double[]> byGpu) {
    double meanSm(List<Integer> gpus) {
      double sum = 0;
      int n = 0;
      for (int g : gpus) {
        double[] m = byGpu.get(g);
        if (m != null && m[0] >= 0) {
          sum += m[0];
          n++;
        }
      }
      return n == 0 ? -1 : sum / n;
    }
  }

  private Metrics latestMetrics() {
    List<Path> files = RecordStore.jsonFiles(ctx.sub("metrics")).stream()
        .filter(p -> p.getFileName().toString().startsWith("dcgm_"))
        .toList();
    for (int i = files.size() - 1; i >= 0; i--) {
      Optional<ObjectNode> n;
      try {
        n = ctx.store().readIfExists(files.get(i));
      } catch (RuntimeException unreadable) {
        continue; // an older snapshot then
      }
      if (n.isEmpty()) {
        continue;
      }
      Map<Integer, double[]> by = new HashMap<>();
      for (JsonNode m : n.get().path("gpu_metrics")) {
        if (m.path("gpu_id").isNumber()) {
          by.put(
              m.path("gpu_id").asInt(),
              new double[] {m.path("sm_util").asDouble(-1), m.path("mem_util").asDouble(-1)});
        }
      }
      Instant at = null;
      try {
        at = StateFormat.parseTimestamp(n.get().path("timestamp").asString(""));
      } catch (IllegalArgumentException noTime) {
        // The values still count; the time is only shown.
      }
      return new Metrics(at, by);
    }
    return new Metrics(null, Map.of());
  }

  // ------------------------------------------------------------------ suggest

  /**
   * Suggests moves, each with its reason: the pending and blocked tasks of agents whose GPU
   * utilisation is below {@code threshold} percent, or that no longer run, go to the running agent
   * with the shortest queue (then the highest score); and while an agent is idle and another has
   * two or more pending tasks, one of them goes to the idle one.
   *
   * @param threshold GPU utilisation in percent, 0 to 100
   * @throws IllegalArgumentException for a threshold outside 0 to 100
   */
  public List<Move> suggest(double threshold) {
    if (!(threshold >= 0 && threshold <= 100)) {
      throw new IllegalArgumentException(
          "Invalid threshold " + threshold + "; use a GPU utilisation from 0 to 100 (percent)");
    }
    List<AgentInfo> agents = team.agents().list().items();
    List<Task> tasks = team.tasks().list().items();
    Analysis a = analyze(DEFAULT_STUCK_AFTER, agents, tasks);
    Map<String, AgentLoad> byId = new LinkedHashMap<>();
    a.agents().forEach(l -> byId.put(l.id(), l));
    Map<String, String> nameToId = new HashMap<>();
    a.agents().forEach(l -> {
      nameToId.put(l.id(), l.id());
      nameToId.putIfAbsent(l.name(), l.id());
    });
    Map<String, Integer> queue = new HashMap<>();
    a.agents().forEach(l -> queue.put(l.id(), l.queue()));
    List<AgentLoad> targets = a.agents().stream()
        .filter(AgentLoad::alive)
        .filter(l -> !(l.gpuUtil() >= 0 && l.gpuUtil() < threshold))
        .toList();
    List<Task> queued = tasks.stream()
        .filter(t -> t.state() == TaskState.PENDING || t.state() == TaskState.BLOCKED)
        .filter(t -> nameToId.containsKey(t.owner()))
        .sorted(Comparator.comparing(Task::createdAt).thenComparing(Task::id))
        .toList();
    List<Move> moves = new ArrayList<>();
    Set<String> moved = new HashSet<>();
    for (Task t : queued) {
      AgentLoad from = req(byId, req(nameToId, t.owner()));
      String why;
      if (!from.alive()) {
        why = "its owner " + from.name() + " is not running";
      } else if (from.gpuUtil() >= 0 && from.gpuUtil() < threshold) {
        why = "its owner " + from.name() + " uses its GPUs at " + pct(from.gpuUtil())
            + ", below the threshold of " + pct(threshold);
      } else {
        continue;
      }
      Optional<AgentLoad> to = targets.stream()
          .filter(l -> !l.id().equals(from.id()))
          .min(Comparator.<AgentLoad>comparingInt(l -> req(queue, l.id()))
              .thenComparing(Comparator.comparingDouble(AgentLoad::score).reversed())
              .thenComparing(AgentLoad::name));
      if (to.isEmpty()) {
        continue;
      }
      AgentLoad target = to.get();
      moves.add(new Move(
          t.id(),
          t.title(),
          from.id(),
          target.id(),
          why + "; " + target.name() + " " + describe(target) + ", queue "
              + req(queue, target.id())));
      queue.merge(from.id(), -1, Integer::sum);
      queue.merge(target.id(), 1, Integer::sum);
      moved.add(t.id());
    }
    // Balance: an idle running agent takes a pending task from the longest queue of two or more.
    while (true) {
      Optional<AgentLoad> idle = targets.stream()
          .filter(l -> req(queue, l.id()) == 0)
          .min(Comparator.comparing(AgentLoad::name));
      if (idle.isEmpty()) {
        break;
      }
      Map<String, List<Task>> pendingOf = new HashMap<>();
      for (Task t : queued) {
        if (t.state() == TaskState.PENDING && !moved.contains(t.id())) {
          String owner = req(nameToId, t.owner());
          if (req(byId, owner).alive()) {
            pendingOf.computeIfAbsent(owner, k -> new ArrayList<>()).add(t);
          }
        }
      }
      Optional<String> busiest = pendingOf.keySet().stream()
          .filter(id -> req(pendingOf, id).size() >= 2)
          .max(Comparator.<String>comparingInt(id -> req(queue, id))
              .thenComparing(id -> req(byId, id).name(), Comparator.reverseOrder()));
      if (busiest.isEmpty()) {
        break;
      }
      AgentLoad from = req(byId, busiest.get());
      List<Task> theirs = req(pendingOf, from.id());
      Task t = theirs.get(theirs.size() - 1); // the newest: the older ones are next for the owner
      AgentLoad target = idle.get();
      moves.add(new Move(
          t.id(),
          t.title(),
          from.id(),
          target.id(),
          target.name() + " is idle while " + from.name() + " has " + req(queue, from.id())
              + " queued (" + theirs.size() + " pending)"));
      queue.merge(from.id(), -1, Integer::sum);
      queue.merge(target.id(), 1, Integer::sum);
      moved.add(t.id());
    }
    return moves;
  }

  private static <K, V> V req(Map<K, V> map, K key) {
    return Objects.requireNonNull(map.get(key), () -> "no entry for " + key);
  }

  private static String describe(AgentLoad l) {
    return l.gpuUtil() >= 0 ? "uses its GPUs at " + pct(l.gpuUtil()) : "runs";
  }

  private static String pct(double v) {
    return String.format(java.util.Locale.ROOT, "%.1f%%", v);
  }

  // ------------------------------------------------------------------ apply

  /**
   * Moves a pending or blocked task to a running agent through the task API: the owner changes,
   * {@code metadata.reassigned_from} and {@code reassigned_at} are set (as in 1.0), the move is
   * audited ({@code schedule.apply}) and the new owner gets a message.
   *
   * @param taskId the task
   * @param to the agent's id or name
   * @return the task as moved
   * @throws NoSuchElementException for an unknown task or agent
   * @throws IllegalStateException when the task is not pending or blocked, or the agent does not
   *     run
   */
  public Task apply(String taskId, String to) {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(to, "to");
    StateFormat.requireId("task id", taskId);
    StateFormat.requireId("agent", to);
    Task t = team.tasks().get(taskId);
    AgentInfo target = team.agents().get(to);
    if (!AgentRecords.LEASING.contains(target.status())) {
      throw new IllegalStateException("Cannot move task " + t.id() + " to agent " + target.name()
          + ": it is " + target.status().wireName() + "; choose a running agent");
    }
    if (t.state() != TaskState.PENDING && t.state() != TaskState.BLOCKED) {
      throw new IllegalStateException("Cannot move task " + t.id() + ": it is "
          + t.state().name().toLowerCase(java.util.Locale.ROOT)
          + (t.hasOwner() ? " (owner " + t.owner() + ")" : "")
          + "; only pending or blocked tasks move");
    }
    if (t.owner().equals(target.id()) || t.owner().equals(target.name())) {
      throw new IllegalStateException(
          "Task " + t.id() + " is already owned by " + target.name() + "; nothing to move");
    }
    String from = t.owner();
    Task moved = team.tasks()
        .update(
            t.id(),
            TaskUpdate.none()
                .withOwner(target.id())
                .withMetadata("reassigned_from", from)
                .withMetadata("reassigned_at", StateFormat.formatTimestamp(ctx.now())));
    ctx.audit(
        "schedule.apply", target.id(), Map.of("task_id", t.id(), "from", from, "to", target.id()));
    team.inbox()
        .send(
            "scheduler",
            target.id(),
            "Task " + t.id() + " (" + t.title() + ") is yours now"
                + (from.isEmpty() ? "" : "; it was " + from + "'s") + ".");
    return moved;
  }

  // ------------------------------------------------------------------ auto

  /**
   * Applies the suggestions every {@code interval} on the team's clock (a virtual clock in tests),
   * reporting each round; a move that fails (the task changed meanwhile) is reported, not thrown.
   *
   * @param threshold as {@link #suggest}
   * @param interval the wait between rounds
   * @param rounds how many rounds, or 0 to run until interrupted
   * @param progress told about each round
   * @throws InterruptedException when interrupted while waiting (how the CLI's Ctrl-C ends it)
   */
  public void auto(double threshold, Duration interval, int rounds, Consumer<Round> progress)
      throws InterruptedException {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "Invalid interval " + interval.toSeconds() + " s; use 1 s or more");
    }
    if (rounds < 0) {
      throw new IllegalArgumentException("Invalid rounds " + rounds + "; use 0 (no limit) or more");
    }
    suggest(threshold); // checks the threshold before the first wait
    for (int r = 1; rounds == 0 || r <= rounds; r++) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException();
      }
      List<Move> applied = new ArrayList<>();
      Map<String, String> failed = new LinkedHashMap<>();
      for (Move m : suggest(threshold)) {
        try {
          apply(m.taskId(), m.to());
          applied.add(m);
        } catch (RuntimeException e) {
          failed.put(m.taskId(), String.valueOf(e.getMessage()));
        }
      }
      progress.accept(new Round(r, ctx.now(), applied, failed));
      if (rounds != 0 && r == rounds) {
        break;
      }
      ctx.time().sleep(interval);
    }
  }
}
