package io.nemospawn.core.internal;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.TeamInfo;
import io.nemospawn.TeamStatus;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.Agents;
import io.nemospawn.agent.Lifecycle;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.core.internal.agent.ActingLifecycle;
import io.nemospawn.core.internal.agent.AgentSupervisor;
import io.nemospawn.core.internal.agent.ReconcilingAgents;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.plan.Plans;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.Tasks;
import io.nemospawn.topology.GpuSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A team backed by its directory; every call reads or writes the files. Thread-safe. */
public final class FileTeam implements Team {
  private static final Logger log = LoggerFactory.getLogger(FileTeam.class);

  /** How long closing waits for the background barriers of its batches ({@link BatchBarriers}). */
  private static final Duration BARRIER_WAIT = Duration.ofSeconds(60);

  /** The directory of the GPU metrics snapshots. */
  static final String METRICS = "metrics";

  private final TeamContext ctx;
  private final String name;
  private final FileAgents agents;
  private final Agents reconciling;
  private final Lifecycle lifecycle;
  private final AgentSupervisor supervisor;
  private final FileTasks tasks;
  private final FilePlans plans;
  private final FileArtifacts artifacts;
  private final FileInbox inbox;
  private final Runnable onClose;
  private volatile boolean closed;

  FileTeam(TeamContext ctx, String name, Runnable onClose) {
    this.ctx = ctx;
    this.name = name;
    this.onClose = onClose;
    this.agents = new FileAgents(ctx);
    this.supervisor = new AgentSupervisor(ctx, name, agents);
    this.reconciling = new ReconcilingAgents(agents, supervisor);
    this.lifecycle = new ActingLifecycle(new FileLifecycle(ctx, agents), supervisor, this::inbox);
    this.tasks = new FileTasks(ctx);
    this.plans = new FilePlans(ctx, agents);
    this.artifacts = new FileArtifacts(ctx);
    this.inbox = new FileInbox(ctx, agents);
  }

  /** Returns the shared context, for the parts of core that extend a team. */
  public TeamContext context() {
    return ctx;
  }

  @Override
  public String id() {
    return ctx.teamId();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Path dir() {
    return ctx.dir();
  }

  @Override
  public TeamInfo info() {
    return ctx.store().read(ctx.layout().teamFile(ctx.teamId()), Codecs::team);
  }

  @Override
  public io.nemospawn.topology.GpuTopology topology() {
    java.nio.file.Path file = ctx.layout().teamFile(ctx.teamId());
    try {
      return Codecs.teamTopology(ctx.store().read(file))
          .orElseGet(io.nemospawn.topology.GpuTopology::empty);
    } catch (IllegalArgumentException e) {
      throw new io.nemospawn.StateException(
          file, "The GPU topology in " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  @Override
  public GpuSnapshot snapshotGpus() {
    Set<Integer> gpus = new TreeSet<>(info().gpuIds());
    agents().list().items().forEach(a -> gpus.addAll(a.gpuIds()));
    GpuSnapshot s = GpuSnapshot.take(ctx.clock()).only(gpus);
    ctx.store()
        .write(ctx.sub(METRICS).resolve(s.fileName()), Json.MAPPER.valueToTree(s.toFormatMap()));
    return s;
  }

  @Override
  public TeamStatus status() {
    Map<TaskState, Integer> tasks = new EnumMap<>(TaskState.class);
    for (TaskState s : TaskState.values()) {
      tasks.put(s, 0);
    }
    Map<LifecycleState, Integer> agentCounts = new EnumMap<>(LifecycleState.class);
    for (LifecycleState s : LifecycleState.values()) {
      agentCounts.put(s, 0);
    }
    Map<PlanStatus, Integer> plans = new EnumMap<>(PlanStatus.class);
    for (PlanStatus s : PlanStatus.values()) {
      plans.put(s, 0);
    }
    FileTasks.Checked checked = this.tasks.listAndCheck();
    var taskList = checked.tasks();
    taskList.forEach(t -> tasks.merge(t.state(), 1, Integer::sum));
    // Reconciled first, so agents whose process has ended count as dead.
    var agentList = reconciling.list();
    for (AgentInfo a : agentList) {
      agentCounts.merge(a.lifecycle(), 1, Integer::sum);
    }
    var planList = plans().list();
    planList.forEach(p -> plans.merge(p.status(), 1, Integer::sum));
    int problems = taskList.problems().size()
        + agentList.problems().size()
        + planList.problems().size();
    return new TeamStatus(info(), tasks, agentCounts, plans, problems, checked.check());
  }

  @Override
  public Agents agents() {
    return reconciling;
  }

  @Override
  public Tasks tasks() {
    return tasks;
  }

  @Override
  public Inbox inbox() {
    return inbox;
  }

  @Override
  public Plans plans() {
    return plans;
  }

  @Override
  public Lifecycle lifecycle() {
    return lifecycle;
  }

  @Override
  public Artifacts artifacts() {
    return artifacts;
  }

  @Override
  public Agent spawn(AgentSpec spec) {
    java.util.Objects.requireNonNull(spec, "spec");
    if (closed) {
      throw new IllegalStateException("Cannot spawn agent '" + spec.name() + "': team " + id()
          + " is closed; open it again with NemoSpawn.team(\"" + id() + "\")");
    }
    io.nemospawn.core.cost.Budgets.of(this).checkSpawn(spec.name());
    return supervisor.spawn(spec);
  }

  @Override
  public Agent agent(String idOrName) {
    return supervisor.handle(idOrName);
  }

  @Override
  public io.nemospawn.agent.Workspaces workspaces() {
    return new io.nemospawn.core.internal.agent.FileWorkspaces(supervisor);
  }

  @Override
  public io.nemospawn.agent.HealthReport checkHealth(java.time.Duration stuckAfter) {
    return new io.nemospawn.core.internal.agent.Watchdog(this, supervisor).pass(stuckAfter);
  }

  /** Returns the agent supervisor, for the parts of core that manage agents. */
  public AgentSupervisor supervisor() {
    return supervisor;
  }

  @Override
  public Subscription subscribe(Consumer<TeamEvent> listener) {
    if (closed) {
      throw new IllegalStateException(
          "Team " + id() + " is closed; open it again with NemoSpawn.team(\"" + id() + "\")");
    }
    return ctx.events().subscribe(listener);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      try {
        if (!tasks.awaitBarriers(BARRIER_WAIT)) {
          log.warn(
              "Team {}: the task files of a batch are still being forced to disk after {} s;"
                  + " the next process to open the team finishes it",
              id(),
              BARRIER_WAIT.toSeconds());
        }
        supervisor.close();
      } finally {
        inbox.close();
      }
    } finally {
      ctx.events().close();
    }
    onClose.run();
  }

  @Override
  public String toString() {
    return "Team[" + id() + (closed ? " CLOSED" : " OPEN") + " dir=" + dir() + "]";
  }
}
