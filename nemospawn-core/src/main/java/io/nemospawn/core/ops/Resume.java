package io.nemospawn.core.ops;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.core.internal.RestoreJournal;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.agent.AgentSupervisor;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Brings a team back after a crash or a reboot ({@code nemospawn team resume}): finishes an
 * interrupted snapshot restore and task operations, reconciles the agents with their processes
 * (dead ones are marked dead, or restarted by the policy), returns the claims of dead agents to
 * pending and reaps expired leases (their GPUs are free again), and lists the plans still waiting
 * for a review from an agent that is gone. Idempotent: a second run changes nothing and says so.
 * Thread-safe.
 */
public final class Resume {
  /** What to do with an agent whose process is gone. */
  public enum Policy {
    /** Mark it dead (status stopped, lifecycle dead); its tasks go back to pending. */
    MARK,
    /**
     * Start it again, with the name, role, GPUs, runtime, profile or command, task text and
     * repository its record has; the old record says which agent replaced it ({@code
     * restarted_as}). Only agents that died on their own are restarted, never ones stopped on
     * purpose.
     */
    RESTART
  }

  /**
   * One thing the resume changed or found.
   *
   * @param area {@code restore}, {@code graph}, {@code agent}, {@code task}, {@code gpu} or {@code
   *     plan}
   * @param subject the id it concerns
   * @param what what happened, in words
   * @param changed whether state was changed (false: only reported)
   */
  public record Change(String area, String subject, String what, boolean changed) {}

  /**
   * What a resume did.
   *
   * @param teamId the team
   * @param at when (the team's clock)
   * @param policy the policy used
   * @param changes everything changed or found, in order
   * @param alive the agents that run afterwards, by name
   * @param studies the HPO studies the team's tasks link to (for trials to reconcile)
   */
  public record Report(
      String teamId,
      Instant at,
      Policy policy,
      List<Change> changes,
      List<String> alive,
      List<String> studies) {
    /** Copies. */
    public Report {
      changes = List.copyOf(changes);
      alive = List.copyOf(alive);
      studies = List.copyOf(studies);
    }

    /** Returns whether anything was changed (not only reported). */
    public boolean changed() {
      return changes.stream().anyMatch(Change::changed);
    }
  }

  private final FileTeam team;
  private final TeamContext ctx;

  private Resume(FileTeam team) {
    this.team = team;
    this.ctx = team.context();
  }

  /**
   * Returns the resume of a team opened from a data directory.
   *
   * @throws IllegalArgumentException for a team of another implementation
   */
  public static Resume of(Team team) {
    Objects.requireNonNull(team, "team");
    if (!(team instanceof FileTeam ft)) {
      throw new IllegalArgumentException("Resume needs a team opened from a data directory"
          + " (nemospawn-core's NemoSpawn.open); got " + team.getClass().getName());
    }
    return new Resume(ft);
  }

  /** Runs the resume; see the class comment. */
  public Report run(Policy policy) {
    Objects.requireNonNull(policy, "policy");
    List<Change> changes = new ArrayList<>();
    AgentSupervisor sup = team.supervisor();
    AgentRecords records = sup.records();
    Path dir = ctx.dir();
    RestoreJournal.finishPending(dir, ctx.store().durability())
        .ifPresent(s -> changes.add(
            new Change("restore", s, "finished the interrupted restore of snapshot " + s, true)));

    // Task operations killed part-way are rolled forward by the graph lock's next holder; a
    // check finds any state the invariants forbid, and the repair fixes it.
    var check = team.tasks().check();
    if (!check.isClean()) {
      for (String c : team.tasks().repair().changes()) {
        changes.add(new Change("graph", "", c, true));
      }
    }

    Map<Integer, String> leasesBefore = records.leases();
    for (AgentSupervisor.Change c : sup.reconcile()) {
      changes.add(new Change("agent", c.agent().id(), c.agent().name() + ": " + c.what(), true));
    }

    if (policy == Policy.RESTART) {
      restart(sup, records, changes);
    }

    List<AgentInfo> agents = sup.agents().list().items();
    Map<String, AgentInfo> byKey = new HashMap<>();
    for (AgentInfo a : agents) {
      byKey.put(a.id(), a);
      byKey.putIfAbsent(a.name(), a);
    }
    for (Task t : team.tasks().reapExpiredLeases()) {
      changes.add(new Change(
          "task",
          t.id(),
          "lease of " + t.metadata().get("lease_expired_from") + " expired; "
              + t.state().name().toLowerCase(java.util.Locale.ROOT) + " again",
          true));
    }
    String now = StateFormat.formatTimestamp(ctx.now());
    for (Task t : team.tasks().list(TaskState.RUNNING)) {
      if (!t.hasOwner()) {
        continue;
      }
      AgentInfo owner = byKey.get(t.owner());
      if (owner != null && AgentRecords.LEASING.contains(owner.status())) {
        continue;
      }
      team.tasks()
          .update(
              t.id(),
              TaskUpdate.of(TaskState.PENDING)
                  .withOwner("")
                  .withMetadata("reassigned_from", t.owner())
                  .withMetadata("reassigned_at", now));
      changes.add(new Change(
          "task",
          t.id(),
          "claimed by " + (owner == null ? t.owner() : owner.name())
              + ", which is not running; pending again",
          true));
    }

    Map<Integer, String> leasesAfter = records.leases();
    for (Map.Entry<Integer, String> e : leasesBefore.entrySet()) {
      if (!e.getValue().equals(leasesAfter.get(e.getKey()))) {
        changes.add(new Change(
            "gpu",
            Integer.toString(e.getKey()),
            "GPU " + e.getKey() + " freed (was " + e.getValue() + "'s)",
            true));
      }
    }
    for (Map.Entry<Integer, String> e : leasesAfter.entrySet()) {
      if (!e.getValue().equals(leasesBefore.get(e.getKey()))) {
        changes.add(new Change(
            "gpu",
            Integer.toString(e.getKey()),
            "GPU " + e.getKey() + " leased to " + e.getValue(),
            true));
      }
    }

    for (Plan p : team.plans().list().items()) {
      if (p.status() != PlanStatus.PENDING) {
        continue;
      }
      AgentInfo author = byKey.get(p.agentId());
      if (author == null || !AgentRecords.LEASING.contains(author.status())) {
        changes.add(new Change(
            "plan",
            p.id(),
            "'" + p.title() + "' awaits review, but its author " + p.agentId()
                + " is not running; approve or reject it (the agent learns on restart)",
            false));
      }
    }

    List<String> alive = sup.agents().list().items().stream()
        .filter(a -> AgentRecords.LEASING.contains(a.status()))
        .map(AgentInfo::name)
        .sorted()
        .toList();
    Set<String> studies = new TreeSet<>();
    for (Task t : team.tasks().list().items()) {
      Object s = t.metadata().get("hpo_study");
      if (s instanceof String name && !name.isEmpty()) {
        studies.add(name);
      }
    }
    Report report =
        new Report(ctx.teamId(), ctx.now(), policy, changes, alive, List.copyOf(studies));
    if (report.changed()) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("policy", policy.name().toLowerCase(java.util.Locale.ROOT));
      details.put("changes", changes.stream().filter(Change::changed).count());
      ctx.audit("team.resume", "", details);
    }
    return report;
  }

  private void restart(AgentSupervisor sup, AgentRecords records, List<Change> changes) {
    for (AgentInfo a : sup.agents().list().items()) {
      if (a.status() != AgentStatus.STOPPED) {
        continue;
      }
      ObjectNode n = records.raw(a.id());
      if (!Json.text(n, "exit_kind", "").equals("exited")
          || n.has("restarted_as")
          || Json.text(n, "runtime", "").isEmpty()) {
        continue;
      }
      if (sup.agents().list().items().stream()
          .anyMatch(o -> o.name().equals(a.name()) && AgentRecords.LEASING.contains(o.status()))) {
        continue; // someone started one of that name meanwhile
      }
      List<String> command = new ArrayList<>();
      String profile = Json.text(n, "profile", "");
      if (profile.isEmpty()) {
        for (JsonNode c : n.path("command")) {
          command.add(c.asString());
        }
      }
      String repo = Json.text(n, "repo", "");
      AgentSpec spec = new AgentSpec(
          a.name(),
          a.role(),
          a.gpuIds(),
          0,
          command,
          profile,
          a.task(),
          Json.text(n, "runtime", ""),
          repo.isEmpty() ? null : Path.of(repo),
          Map.of(),
          n.path("network").asBoolean(false),
          true);
      try {
        Agent started = sup.spawn(spec);
        records.patch(a.id(), x -> x, x -> x.put("restarted_as", started.id()));
        changes.add(new Change("agent", a.id(), a.name() + ": restarted as " + started.id(), true));
      } catch (RuntimeException e) {
        changes.add(
            new Change("agent", a.id(), a.name() + ": cannot restart: " + e.getMessage(), false));
      }
    }
  }
}
