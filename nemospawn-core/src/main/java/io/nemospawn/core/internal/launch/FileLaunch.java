package io.nemospawn.core.internal.launch;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.core.internal.Failures;
import io.nemospawn.launch.Launch;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.LaunchProgress;
import io.nemospawn.launch.LaunchSummary;
import io.nemospawn.launch.StudyBridge;
import io.nemospawn.launch.StudyReport;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.TimeSource;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskGraph;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started launch: the team, its study, its tasks and the agent processes, with progress events
 * drawn from the team's event stream. Thread-safe.
 */
final class FileLaunch implements Launch {
  private static final Logger log = LoggerFactory.getLogger(FileLaunch.class);

  /** Task metadata naming the team's study (the HPO module's task link key). */
  static final String STUDY_KEY = "hpo_study";

  /** Task metadata naming the template worker (task key) a task belongs to. */
  static final String KEY_KEY = "launch_key";

  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final NemoSpawn ns;
  private final Team team;
  private final LaunchPlan plan;
  private final Optional<StudyBridge> studies;
  private final String study;
  private final Instant started;
  private final Map<String, String> agentIds = new LinkedHashMap<>();
  private final Map<String, String> agentNames = new ConcurrentHashMap<>();
  private final Map<String, String> taskIds = new LinkedHashMap<>();
  private final Map<String, String> taskKeys = new ConcurrentHashMap<>();
  private final Map<String, TaskState> lastState = new ConcurrentHashMap<>();
  private final java.util.Set<String> seenMessages = ConcurrentHashMap.newKeySet();
  private final List<Consumer<LaunchProgress>> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Agent> agents = new LinkedHashMap<>();
  private @Nullable Subscription events;
  private volatile @Nullable Instant finished;
  private volatile boolean closed;

  private FileLaunch(NemoSpawn ns, Team team, LaunchPlan plan, Optional<StudyBridge> studies) {
    this.ns = ns;
    this.team = team;
    this.plan = plan;
    this.studies = studies;
    this.study = studyName(plan, team.id());
    this.started = Instant.now();
  }

  /** Returns the study name of a launched team: the template's study and the team's hex id. */
  static String studyName(LaunchPlan plan, String teamId) {
    return plan.studyName(teamId);
  }

  static FileLaunch start(NemoSpawn ns, Team team, LaunchPlan plan, Optional<StudyBridge> studies) {
    FileLaunch l = new FileLaunch(ns, team, plan, studies);
    l.begin();
    return l;
  }

  private void begin() {
    events = team.subscribe(this::onEvent);
    if (!study.isEmpty()) {
      studies.orElseThrow().create(ns.dataDir(), study, plan.hpo().toml(), plan.source());
    }
    AtomicFiles.write(
        team.dir().resolve("launch-plan.txt"),
        plan.toText().getBytes(StandardCharsets.UTF_8),
        Durability.NONE);
    // Agents first (spawning registers them and gives their ids), then the tasks they own; an
    // agent that starts before its task exists waits for it.
    for (LaunchPlan.PlannedAgent a : plan.agents()) {
      AgentSpec.Builder spec = AgentSpec.builder(a.name())
          .role(a.role())
          .gpus(a.gpus())
          .task(a.prompt())
          .env(a.env())
          .runtime(a.runtime())
          .detached(false);
      List<String> command = AgentCommands.command(a);
      if (command.isEmpty()) {
        spec.profile(AgentCommands.profile(a));
      } else {
        spec.command(command);
      }
      Agent agent = team.spawn(spec.build());
      agents.put(a.name(), agent);
      agentIds.put(a.name(), agent.id());
      agentNames.put(agent.id(), a.name());
      emit(
          a.name(),
          "spawned (" + a.role() + ", " + a.agent() + ", " + a.runtime()
              + (a.gpus().isEmpty() ? ", no GPU" : ", GPUs " + a.gpus()) + ")");
    }
    TaskGraph.Builder g = TaskGraph.builder();
    for (LaunchPlan.PlannedTask t : plan.tasks()) {
      TaskSpec spec = TaskSpec.of(t.title())
          .withOwner(agentIds.getOrDefault(t.owner(), ""))
          .withMetadata(KEY_KEY, t.key());
      if (!study.isEmpty()) {
        spec = spec.metadata(STUDY_KEY, study);
      }
      g.task(t.key(), spec, t.blockedBy().toArray(String[]::new));
    }
    Map<String, Task> created = team.tasks().submit(g.build());
    for (LaunchPlan.PlannedTask t : plan.tasks()) {
      Task task = created.get(t.key());
      if (task == null) {
        throw new IllegalStateException("The task graph returned no task for key " + t.key());
      }
      taskIds.put(t.key(), task.id());
      taskKeys.put(task.id(), t.key());
      lastState.put(task.id(), task.state());
    }
  }

  private void onEvent(TeamEvent e) {
    if (e instanceof TeamEvent.TaskChanged tc) {
      Task t = tc.task();
      String key = taskKeys.get(t.id());
      if (key == null) {
        return;
      }
      TaskState before = lastState.put(t.id(), t.state());
      if (before == t.state()) {
        return;
      }
      String who = agentNames.getOrDefault(t.owner(), key);
      switch (t.state()) {
        case PENDING -> emit(who, "task '" + key + "' is ready");
        case RUNNING -> emit(who, "task '" + key + "' started");
        case DONE ->
          emit(
              who,
              "task '" + key + "' done"
                  + (t.valLoss().isPresent()
                      ? String.format(
                          java.util.Locale.ROOT, " (val_loss %.4f)", t.valLoss().getAsDouble())
                      : ""));
        case FAILED ->
          emit(
              who,
              "task '" + key + "' FAILED: "
                  + t.metadata().getOrDefault("error", "no reason given"));
        case CANCELLED -> emit(who, "task '" + key + "' cancelled");
        default -> {
          // blocked: nothing to say
        }
      }
    } else if (e instanceof TeamEvent.MessageReceived mr) {
      String leaderId = agentIds.get("leader");
      if (mr.message().to().equals(leaderId)
          && !mr.message().from().equals(leaderId)
          && seenMessages.add(mr.message().id())) {
        String body = mr.message().body();
        int nl = body.indexOf('\n');
        emit(
            agentNames.getOrDefault(mr.message().from(), mr.message().from()),
            nl < 0 ? body : body.substring(0, nl));
      }
    }
  }

  private void emit(String source, String text) {
    LaunchProgress p = new LaunchProgress(Instant.now(), source, text);
    for (Consumer<LaunchProgress> l : listeners) {
      try {
        l.accept(p);
      } catch (RuntimeException ex) {
        log.warn("Progress listener failed on {}", p, ex);
      }
    }
  }

  @Override
  public LaunchPlan plan() {
    return plan;
  }

  @Override
  public Team team() {
    return team;
  }

  @Override
  public Map<String, String> agentIds() {
    return Collections.unmodifiableMap(agentIds);
  }

  @Override
  public Map<String, String> taskIds() {
    return Collections.unmodifiableMap(taskIds);
  }

  /** Returns the name of the team's HPO study, or an empty string. */
  String study() {
    return study;
  }

  @Override
  public Subscription onProgress(Consumer<LaunchProgress> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public boolean awaitFinished(Duration timeout) throws InterruptedException {
    // The team's time, as the task waits below use it: real, or a simulated clock.
    TimeSource time = team instanceof io.nemospawn.core.internal.FileTeam f
        ? f.context().time()
        : TimeSource.system();
    // About 73 years at most, so the deadline cannot overflow.
    long deadline = time.nanoTime()
        + (timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE / 4)) > 0
            ? Long.MAX_VALUE / 4
            : timeout.toNanos());
    while (true) {
      if (allFinished()) {
        finished = finished == null ? Instant.now() : finished;
        return true;
      }
      failTasksOfDeadAgents();
      Duration left = Duration.ofNanos(deadline - time.nanoTime());
      if (left.isNegative() || left.isZero()) {
        return false;
      }
      Duration slice = left.compareTo(Duration.ofSeconds(1)) < 0 ? left : Duration.ofSeconds(1);
      if (team.tasks().awaitAllFinished(taskIds.values(), slice)) {
        finished = Instant.now();
        return true;
      }
    }
  }

  private boolean allFinished() {
    for (String id : taskIds.values()) {
      TaskState s = team.tasks().get(id).state();
      if (s != TaskState.DONE && s != TaskState.FAILED && s != TaskState.CANCELLED) {
        return false;
      }
    }
    return true;
  }

  private void failTasksOfDeadAgents() {
    for (Map.Entry<String, Agent> e : agents.entrySet()) {
      Agent agent = e.getValue();
      if (agent.isAlive()) {
        continue;
      }
      for (Map.Entry<String, String> t : taskIds.entrySet()) {
        Task task = team.tasks().get(t.getValue());
        if (!task.owner().equals(agent.id())
            || (task.state() != TaskState.PENDING
                && task.state() != TaskState.RUNNING
                && task.state() != TaskState.BLOCKED)) {
          continue;
        }
        String code = agent.exitCode().isPresent()
            ? "with code " + agent.exitCode().getAsInt()
            : "(exit code unknown)";
        String reason = "agent " + e.getKey() + " exited " + code + " before finishing task '"
            + t.getKey() + "'; see its log " + agent.logFile();
        try {
          if (task.state() == TaskState.BLOCKED) {
            team.tasks()
                .update(
                    task.id(), TaskUpdate.of(TaskState.CANCELLED).withMetadata("error", reason));
          } else {
            team.tasks().fail(task.id(), reason);
          }
        } catch (IllegalStateException raced) {
          log.debug("Task {} changed while failing it: {}", task.id(), raced.getMessage());
        }
      }
    }
  }

  @Override
  public LaunchSummary summary() {
    int done = 0;
    int failed = 0;
    for (String id : taskIds.values()) {
      TaskState s = team.tasks().get(id).state();
      if (s == TaskState.DONE) {
        done++;
      } else if (s == TaskState.FAILED || s == TaskState.CANCELLED) {
        failed++;
      }
    }
    StudyReport report =
        study.isEmpty() ? StudyReport.empty("") : studies.orElseThrow().report(ns.dataDir(), study);
    Optional<Artifact> promoted = team.artifacts().promoted(ArtifactType.NEMO_CHECKPOINT);
    Instant end = finished == null ? Instant.now() : finished;
    Duration elapsed = Duration.between(started, end);
    double gpuHours = plan.gpuSlots() * elapsed.toMillis() / 3_600_000.0;
    return new LaunchSummary(
        team.id(),
        plan.template(),
        elapsed,
        done,
        failed,
        taskIds.size(),
        report,
        promoted.map(Artifact::id).orElse(""),
        promoted.map(a -> Path.of(a.path())).orElse(null),
        promoted.map(Artifact::valLoss).orElse(Double.NaN),
        gpuHours,
        team.dir());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (events != null) {
      events.close();
    }
    Failures failures = new Failures();
    for (Agent a : agents.values()) {
      failures.run(() -> {
        if (a.isAlive()) {
          a.stop(STOP_GRACE);
        }
      });
    }
    failures.run(team::close);
    failures.throwIfAny();
  }

  @Override
  public String toString() {
    return "Launch[" + team.id() + " template=" + plan.template() + " agents=" + agentIds.size()
        + " tasks=" + taskIds.size() + "]";
  }
}
