package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.core.internal.FileInbox;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A team's budget ({@code costs/budget.json}) and its enforcement. {@link #enforce} runs in every
 * watch pass ({@code Team.checkHealth}): at 80 % of a limit the leader gets one message (one per
 * limit value, so a raised limit warns again); at 100 % every running agent is stopped through its
 * runtime, its running tasks go back to pending, and the stop is recorded in the audit log and, as
 * a journal, in {@code budget.json} before the first agent is stopped, so a crash in the middle is
 * finished by the next pass. While a limit is reached, {@link #checkSpawn} refuses new agents;
 * raising the budget ({@link #set}) or clearing it lets the team go on.
 *
 * <pre>{@code
 * Budgets.of(team).set(new Budget(null, 2_000_000L, new BigDecimal("50"), Duration.ofHours(12)));
 * }</pre>
 *
 * <p>Thread-safe; changes from several processes take turns on the team's {@code budget} lock.
 *
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public final class Budgets {
  private static final Logger log = LoggerFactory.getLogger(Budgets.class);

  /** The sender of budget messages. */
  public static final String SENDER = "nemospawn";

  static final String FILE = "budget.json";
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final FileTeam team;
  private final TeamContext ctx;

  private Budgets(FileTeam team) {
    this.team = team;
    this.ctx = team.context();
  }

  /**
   * Returns the budgets of a team.
   *
   * @throws IllegalArgumentException when the team was not opened by nemospawn-core
   */
  public static Budgets of(Team team) {
    requireNonNull(team, "team");
    if (!(team instanceof FileTeam ft)) {
      throw new IllegalArgumentException(
          "Team " + team.id() + " is a " + team.getClass().getName()
              + "; budgets are kept for teams opened with NemoSpawn.open() (nemospawn-core)");
    }
    return new Budgets(ft);
  }

  Path file() {
    return ctx.sub(CostLedger.COSTS).resolve(FILE);
  }

  private Optional<ObjectNode> read() {
    return ctx.store().readIfExists(file());
  }

  /** Returns the team's budget, if it has one. */
  public Optional<Budget> budget() {
    return read().map(Budgets::decode);
  }

  static Budget decode(ObjectNode n) {
    JsonNode wall = n.get("wall_seconds");
    JsonNode tokens = n.get("tokens");
    return new Budget(
        decimal(n, "gpu_hours"),
        tokens != null && tokens.isNumber() ? tokens.asLong() : null,
        decimal(n, "usd"),
        wall != null && wall.isNumber() ? Duration.ofSeconds(wall.asLong()) : null);
  }

  private static @Nullable BigDecimal decimal(ObjectNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isNumber() ? new BigDecimal(v.asString()) : null;
  }

  /**
   * Sets the team's budget, replacing the limits it had (a caller raising one limit passes {@code
   * budget().get().merge(..)}); wall time keeps counting from when a budget was first set. When no
   * limit is reached any more, spawning is allowed again.
   */
  public BudgetStatus set(Budget budget) {
    requireNonNull(budget, "budget");
    try (StateLock l = ctx.lock("budget")) {
      ObjectNode n = read().orElseGet(Json::object);
      n.put("team_id", ctx.teamId());
      putOrRemove(n, "gpu_hours", budget.gpuHours());
      if (budget.tokens() != null) {
        n.put("tokens", budget.tokens());
      } else {
        n.remove("tokens");
      }
      putOrRemove(n, "usd", budget.usd());
      if (budget.wall() != null) {
        n.put("wall_seconds", budget.wall().toSeconds());
      } else {
        n.remove("wall_seconds");
      }
      Json.put(n, "set_at", ctx.now());
      if (!n.has("started_at")) {
        Json.put(n, "started_at", ctx.now());
      }
      ctx.store().write(file(), n);
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("gpu_hours", budget.gpuHours() == null ? "" : budget.gpuHours().toPlainString());
    d.put("tokens", budget.tokens() == null ? "" : budget.tokens().toString());
    d.put("usd", budget.usd() == null ? "" : budget.usd().toPlainString());
    d.put(
        "wall_seconds",
        budget.wall() == null ? "" : String.valueOf(budget.wall().toSeconds()));
    ctx.audit("budget.set", "", d);
    return status().orElseThrow();
  }

  private static void putOrRemove(ObjectNode n, String field, @Nullable BigDecimal v) {
    if (v != null) {
      n.put(field, CostReport.plain(v));
    } else {
      n.remove(field);
    }
  }

  /** Removes the team's budget; returns whether it had one. */
  public boolean clear() {
    boolean had;
    try (StateLock l = ctx.lock("budget")) {
      had = Files.deleteIfExists(file());
    } catch (java.io.IOException e) {
      throw new io.nemospawn.StateException(file(), "Cannot remove " + file() + ": " + e, e);
    }
    if (had) {
      ctx.audit("budget.clear", "", Map.of());
    }
    return had;
  }

  /** Refreshes the team's costs and returns where it stands, if it has a budget. */
  public Optional<BudgetStatus> status() {
    Optional<ObjectNode> n = read();
    if (n.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(status(n.get(), CostLedger.of(ctx).refresh(), ctx.now()));
  }

  private BudgetStatus status(ObjectNode n, CostReport r, Instant now) {
    Budget b = decode(n);
    Instant started = Json.instant(n, "started_at", now);
    List<BudgetStatus.Limit> limits = new ArrayList<>();
    if (b.gpuHours() != null) {
      limits.add(new BudgetStatus.Limit("gpu_hours", r.gpuHours(), b.gpuHours()));
    }
    if (b.tokens() != null) {
      limits.add(new BudgetStatus.Limit(
          "tokens",
          BigDecimal.valueOf(r.tokens().usage().total()),
          BigDecimal.valueOf(b.tokens())));
    }
    if (b.usd() != null) {
      limits.add(new BudgetStatus.Limit("usd", r.totalUsd(), b.usd()));
    }
    if (b.wall() != null) {
      long used = Math.max(0, Duration.between(started, now).toSeconds());
      limits.add(new BudgetStatus.Limit(
          "wall_seconds", BigDecimal.valueOf(used), BigDecimal.valueOf(b.wall().toSeconds())));
    }
    JsonNode stop = n.path("stop");
    Instant stoppedAt =
        stop.isObject() ? Json.instant((ObjectNode) stop, "at", Instant.EPOCH) : Instant.EPOCH;
    return new BudgetStatus(ctx.teamId(), b, started, limits, stoppedAt);
  }

  /**
   * Refuses a new agent while a limit of the team's budget is reached.
   *
   * @throws IllegalStateException naming the team, the agent and every reached limit
   */
  public void checkSpawn(String agentName) {
    if (!Files.exists(file())) {
      return;
    }
    status().filter(BudgetStatus::isExceeded).ifPresent(s -> {
      throw new IllegalStateException("Cannot spawn agent '" + StateFormat.printable(agentName)
          + "' in team " + ctx.teamId() + ": its budget is spent (" + s.describeExceeded()
          + "). Raise or clear the team's budget to go on");
    });
  }

  /**
   * One enforcement pass (run by every watch pass): warns the leader at 80 % of a limit, once per
   * limit value; at 100 % stops every running agent through its runtime and releases its tasks,
   * recording the stop first so that a pass interrupted half-way is finished by the next one.
   * Returns the status, or empty when the team has no budget.
   */
  public Optional<BudgetStatus> enforce() {
    if (!Files.exists(file())) {
      return Optional.empty();
    }
    CostReport report = CostLedger.of(ctx).refresh();
    Instant now = ctx.now();
    List<String> warnings = new ArrayList<>();
    List<String> toStop = new ArrayList<>();
    BudgetStatus s;
    String reason = "";
    try (StateLock l = ctx.lock("budget")) {
      Optional<ObjectNode> read = read();
      if (read.isEmpty()) {
        return Optional.empty();
      }
      ObjectNode n = read.get();
      s = status(n, report, now);
      ObjectNode warned = n.has("warned") && n.get("warned").isObject()
          ? (ObjectNode) n.get("warned")
          : n.putObject("warned");
      boolean changed = false;
      for (BudgetStatus.Limit x : s.limits()) {
        String at = x.limit().toPlainString();
        if (x.isNear() && !at.equals(warned.path(x.kind()).asString(""))) {
          warned.put(x.kind(), at);
          warnings.add(x.describe());
          changed = true;
        }
      }
      JsonNode stop = n.path("stop");
      boolean unfinished = stop.isObject() && stop.path("state").asString("").equals("stopping");
      if (s.isExceeded()) {
        reason = "budget spent: " + s.describeExceeded();
        for (AgentInfo a : team.supervisor().agents().list().items()) {
          if (AgentRecords.LEASING.contains(a.status())) {
            toStop.add(a.id());
          }
        }
        if (!toStop.isEmpty()) {
          // The journal entry goes first: a pass that dies while stopping is finished by the
          // next one (which finds the agents still running and the limit still reached).
          ObjectNode j = n.putObject("stop");
          j.put("state", "stopping");
          Json.put(j, "at", now);
          j.put("reason", reason);
          ArrayNode ids = j.putArray("agents");
          toStop.forEach(ids::add);
          changed = true;
        }
      } else if (unfinished) {
        // The budget was raised before an interrupted stop was finished: it is called off.
        ((ObjectNode) stop).put("state", "called off");
        changed = true;
      }
      if (changed) {
        ctx.store().write(file(), n);
      }
    }
    for (String w : warnings) {
      String body = "Budget warning for team " + ctx.teamId() + ": " + w
          + ". At 100 % every agent of the team is stopped and new agents are refused.";
      tell(body);
      ctx.audit("budget.warning", "", Map.of("limit", w));
      log.warn("Team {}: {}", ctx.teamId(), body);
    }
    if (!toStop.isEmpty()) {
      ctx.audit("budget.exceeded", "", Map.of("reason", reason, "agents", List.copyOf(toStop)));
      stopAll(toStop, reason);
      s = status(read().orElseThrow(), report, now);
    }
    return Optional.of(s);
  }

  private void stopAll(List<String> ids, String reason) {
    List<String> released = new ArrayList<>();
    for (String id : ids) {
      try {
        team.supervisor().stop(id, GRACE, reason, false);
        log.info("Team {}: stopped agent {}: {}", ctx.teamId(), id, reason);
      } catch (RuntimeException e) {
        log.warn(
            "Team {}: cannot stop agent {} ({}); the next watch pass tries again",
            ctx.teamId(),
            id,
            e.getMessage());
        return;
      }
      released.addAll(release(id));
    }
    try (StateLock l = ctx.lock("budget")) {
      read().ifPresent(n -> {
        JsonNode stop = n.path("stop");
        if (stop.isObject()) {
          ((ObjectNode) stop).put("state", "done");
          ArrayNode r = ((ObjectNode) stop).putArray("released_tasks");
          released.forEach(r::add);
          ctx.store().write(file(), n);
        }
      });
    }
    if (!ids.isEmpty()) {
      tell("Team " + ctx.teamId() + " was stopped: " + reason + ". Stopped agents: " + ids
          + (released.isEmpty() ? "" : "; tasks back to pending: " + released)
          + ". New agents are refused until the budget is raised or cleared.");
      ctx.audit("budget.stop", "", Map.of("agents", ids, "released_tasks", released));
    }
  }

  /** Returns an agent's running tasks to pending; returns their ids. */
  private List<String> release(String agentId) {
    List<String> out = new ArrayList<>();
    AgentInfo a = team.supervisor().agents().get(agentId);
    List<Task> running;
    try {
      running = team.tasks().list(TaskState.RUNNING);
    } catch (IllegalStateException e) {
      return out;
    }
    for (Task t : running) {
      if (t.owner().equals(a.id()) || t.owner().equals(a.name())) {
        try {
          team.tasks()
              .update(
                  t.id(),
                  TaskUpdate.of(TaskState.PENDING)
                      .withOwner("")
                      .withMetadata("reassigned_from", a.id())
                      .withMetadata("released_by", "budget")
                      .withMetadata("reassigned_at", StateFormat.formatTimestamp(ctx.now())));
          out.add(t.id());
        } catch (RuntimeException e) {
          log.warn("Cannot release task {} of agent {}: {}", t.id(), a.id(), e.getMessage());
        }
      }
    }
    return out;
  }

  /** Sends a message to the team's running leader, or to the leader's inbox. */
  private void tell(String body) {
    String to = FileInbox.LEADER;
    for (AgentInfo a : team.supervisor().agents().list().items()) {
      if (a.role().equalsIgnoreCase("leader") && AgentRecords.LEASING.contains(a.status())) {
        to = a.id();
        break;
      }
    }
    try {
      team.inbox().send(SENDER, to, body);
    } catch (RuntimeException e) {
      log.warn("Team {}: cannot tell the leader ({}): {}", ctx.teamId(), e.getMessage(), body);
    }
  }
}
