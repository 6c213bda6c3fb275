package io.nemospawn.core.internal.agent;

import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.Health;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One health pass over a team's agents: dead agents are marked (status {@code stopped},
 * lifecycle {@code dead}), their running tasks go back to {@code pending} (the claim ends), their
 * GPUs are free; agents with no sign of life (record, tasks, log output) for longer than the stuck
 * threshold are flagged; agents whose host cannot be reached are reported {@code unreachable},
 * never dead; running tasks whose lease has expired on the team's clock go back to
 * {@code pending} (or {@code blocked}), reported with their holder. The team's budget is
 * enforced first ({@link io.nemospawn.core.cost.Budgets#enforce}). Thread-safe; passes may run from several processes at once.
 */
public final class Watchdog {
  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

  private final Team team;
  private final AgentSupervisor supervisor;

  public Watchdog(Team team, AgentSupervisor supervisor) {
    this.team = team;
    this.supervisor = supervisor;
  }

  /** Runs one pass; {@code stuckAfter} is how long without any sign of life counts as stuck. */
  public HealthReport pass(Duration stuckAfter) {
    enforceBudget();
    Instant now = supervisor.context().now();
    Map<String, AgentSupervisor.Change> changed = new java.util.HashMap<>();
    for (AgentSupervisor.Change c : supervisor.reconcile()) {
      changed.put(c.agent().id(), c);
    }
    Map<String, List<String>> expired = reapExpiredLeases();
    List<Task> tasks = tasksOrEmpty();
    List<Health> out = new ArrayList<>();
    // The records as the reconcile above left them (team.agents() would reconcile again).
    for (AgentInfo a : supervisor.agents().list().items()) {
      AgentSupervisor.Change c = changed.get(a.id());
      if (c != null) {
        List<String> requeued = withExpired(requeue(a, tasks), a, expired);
        out.add(new Health(a.id(), a.name(), "dead", c.what(), requeued));
        continue;
      }
      if (!AgentRecords.LEASING.contains(a.status())) {
        // An agent whose process ended on its own (not stopped by a kill or an approved
        // shutdown) stays reported dead; its running tasks are returned whenever found.
        List<String> requeued = withExpired(requeue(a, tasks), a, expired);
        boolean onItsOwn = a.status() == AgentStatus.STOPPED && supervisor.exitedOnItsOwn(a.id());
        boolean clean = a.lifecycleReason().equals("process exited with code 0");
        String state = !onItsOwn ? a.status().wireName() : clean ? "exited" : "dead";
        out.add(new Health(a.id(), a.name(), state, a.lifecycleReason(), requeued));
        continue;
      }
      java.util.Optional<String> unreachable = supervisor.unreachable(a.id());
      if (unreachable.isPresent()) {
        // Its host cannot be reached: not dead, and its tasks stay its own (their leases still
        // expire on the team's clock).
        List<String> lost = withExpired(List.of(), a, expired);
        out.add(new Health(a.id(), a.name(), "unreachable", unreachable.get(), lost));
        continue;
      }
      Instant last = lastSignOfLife(a, tasks);
      Duration quiet = Duration.between(last, now);
      List<String> lost = withExpired(List.of(), a, expired);
      String leases = lost.isEmpty() ? "" : "lease expired on " + String.join(", ", lost);
      if (quiet.compareTo(stuckAfter) > 0) {
        out.add(new Health(
            a.id(),
            a.name(),
            "stuck",
            "no update for " + quiet.toSeconds() + " s (threshold " + stuckAfter.toSeconds() + " s)"
                + (leases.isEmpty() ? "" : "; " + leases),
            lost));
      } else {
        out.add(new Health(a.id(), a.name(), "healthy", leases, lost));
      }
    }
    return new HealthReport(now, out);
  }

  /**
   * Enforces the team's budget, if it has one, before the health checks, so that agents it stops
   * are reported stopped by this same pass.
   */
  private void enforceBudget() {
    try {
      io.nemospawn.core.cost.Budgets.of(team).enforce();
    } catch (RuntimeException e) {
      log.warn("Team {}: the budget cannot be checked: {}", team.id(), e.getMessage());
    }
  }

  /**
   * Returns running tasks whose lease has expired (on the team's clock) to pending; returns
   * their ids by the lease holder.
   */
  private Map<String, List<String>> reapExpiredLeases() {
    Map<String, List<String>> byOwner = new java.util.HashMap<>();
    try {
      for (Task t : team.tasks().reapExpiredLeases()) {
        Object owner = t.metadata().get("lease_expired_from");
        byOwner.computeIfAbsent(String.valueOf(owner), k -> new ArrayList<>()).add(t.id());
        log.info("Task {}: the lease of {} expired; it is {} again", t.id(), owner, t.state());
      }
    } catch (IllegalStateException e) {
      log.debug("No task graph: {}", e.getMessage());
    }
    return byOwner;
  }

  private static List<String> withExpired(
      List<String> requeued, AgentInfo a, Map<String, List<String>> expired) {
    List<String> all = new ArrayList<>(requeued);
    all.addAll(expired.getOrDefault(a.id(), List.of()));
    if (!a.name().equals(a.id())) {
      all.addAll(expired.getOrDefault(a.name(), List.of()));
    }
    return all;
  }

  private List<Task> tasksOrEmpty() {
    try {
      return team.tasks().list().items();
    } catch (IllegalStateException e) {
      // A data directory without the task graph module: nothing to requeue.
      log.debug("No task graph: {}", e.getMessage());
      return List.of();
    }
  }

  /** Returns an agent's running tasks to pending; returns their ids. */
  private List<String> requeue(AgentInfo a, List<Task> tasks) {
    List<String> ids = new ArrayList<>();
    for (Task t : tasks) {
      if (t.state() == TaskState.RUNNING
          && (t.owner().equals(a.id()) || t.owner().equals(a.name()))) {
        try {
          team.tasks()
              .update(
                  t.id(),
                  TaskUpdate.of(TaskState.PENDING)
                      .withOwner("")
                      .withMetadata("reassigned_from", a.id())
                      .withMetadata(
                          "reassigned_at",
                          io.nemospawn.spi.StateFormat.formatTimestamp(
                              supervisor.context().now())));
          ids.add(t.id());
          log.info("Task {} of dead agent {} is pending again", t.id(), a.id());
        } catch (RuntimeException e) {
          log.warn(
              "Cannot return task {} of dead agent {} to pending: {}",
              t.id(),
              a.id(),
              e.getMessage());
        }
      }
    }
    return ids;
  }

  private Instant lastSignOfLife(AgentInfo a, List<Task> tasks) {
    Instant last = a.updatedAt();
    for (Task t : tasks) {
      if ((t.owner().equals(a.id()) || t.owner().equals(a.name()))
          && t.updatedAt().isAfter(last)) {
        last = t.updatedAt();
      }
    }
    Path logFile = supervisor.logsDir().resolve(a.id() + ".log");
    try {
      if (Files.exists(logFile)) {
        Instant m = Files.getLastModifiedTime(logFile).toInstant();
        if (m.isAfter(last)) {
          last = m;
        }
      }
    } catch (IOException e) {
      // No log: the record and tasks decide.
    }
    return last;
  }
}
