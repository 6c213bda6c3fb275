package io.nemospawn.core.internal;

import io.nemospawn.TeamInfo;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.agent.Role;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuTopology;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Field-by-field mapping between records and their FORMAT.md JSON. Encoders write into an
 * existing node so that fields another tool added are kept.
 */
public final class Codecs {
  private Codecs() {}

  /** Decodes {@code team.json}. */
  public static TeamInfo team(ObjectNode n) {
    return new TeamInfo(
        Json.text(n, "team_id"),
        Json.text(n, "name"),
        Json.text(n, "description", ""),
        Json.ints(n, "gpu_ids"),
        Json.text(n, "status", "active"),
        Json.instant(n, "created_at", Instant.EPOCH));
  }

  /** Encodes the team fields into {@code n}. */
  public static ObjectNode team(ObjectNode n, TeamInfo t) {
    n.put("team_id", t.id());
    n.put("name", t.name());
    n.put("description", t.description());
    Json.putList(n, "gpu_ids", t.gpuIds());
    if (!n.has("gpus")) {
      n.putArray("gpus");
    }
    if (!n.has("topology")) {
      n.putObject("topology");
    }
    if (!n.has("nvlink_islands")) {
      n.putArray("nvlink_islands");
    }
    n.put("status", t.status());
    Json.put(n, "created_at", t.createdAt());
    return n;
  }

  /**
   * Records the team's GPUs in team.json: {@code gpus}, the {@code topology} matrix and the
   * {@code nvlink_islands}, each restricted to the team's GPUs. Leaves the fields empty when the
   * topology does not know all of them (no GPU here, or other indices).
   */
  public static ObjectNode teamGpus(ObjectNode n, GpuTopology machine, List<Integer> teamGpus) {
    if (teamGpus.isEmpty() || !machine.indices().containsAll(teamGpus)) {
      return n;
    }
    Set<String> keys = teamGpus.stream().map(String::valueOf).collect(Collectors.toSet());
    List<Object> gpus = new ArrayList<>();
    for (Gpu g : machine.gpus()) {
      if (teamGpus.contains(g.index())) {
        gpus.add(g.toFormatMap());
      }
    }
    Map<String, Map<String, String>> matrix = new LinkedHashMap<>();
    machine.toFormatMatrix().forEach((row, cols) -> {
      if (keys.contains(row)) {
        Map<String, String> kept = new LinkedHashMap<>();
        cols.forEach((col, link) -> {
          if (keys.contains(col)) {
            kept.put(col, link);
          }
        });
        matrix.put(row, kept);
      }
    });
    List<List<Integer>> islands = new ArrayList<>();
    for (List<Integer> island : machine.islands()) {
      List<Integer> mine = island.stream().filter(teamGpus::contains).toList();
      if (mine.size() > 1) {
        islands.add(mine);
      }
    }
    n.set("gpus", Json.toNode(gpus));
    n.set("topology", Json.toNode(matrix));
    n.set("nvlink_islands", Json.toNode(islands));
    return n;
  }

  /**
   * Decodes the GPU topology a team.json records ({@code topology} matrix and {@code gpus}), or
   * empty when it records none.
   *
   * @throws IllegalArgumentException naming the malformed key or cell
   */
  @SuppressWarnings("unchecked")
  public static java.util.Optional<GpuTopology> teamTopology(ObjectNode team) {
    JsonNode matrix = team.get("topology");
    if (matrix == null || !matrix.isObject() || matrix.isEmpty()) {
      return java.util.Optional.empty();
    }
    List<Map<String, Object>> gpus = new ArrayList<>();
    JsonNode list = team.get("gpus");
    if (list != null && list.isArray()) {
      list.forEach(g -> gpus.add(Json.toMap(g)));
    }
    try {
      Map<String, Map<String, String>> cells = Json.MAPPER.convertValue(matrix, Map.class);
      return java.util.Optional.of(GpuTopology.fromFormat(cells, gpus));
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("the topology matrix is not a map of maps of links", e);
    }
  }

  /** Decodes an agent file. */
  public static AgentInfo agent(ObjectNode n) {
    JsonNode lc = n.get("lifecycle");
    LifecycleState state = LifecycleState.RUNNING;
    String reason = "";
    if (lc != null && lc.isObject()) {
      ObjectNode l = (ObjectNode) lc;
      state = LifecycleState.parse(Json.text(l, "state", "running"));
      reason = Json.text(l, "reason", "");
    }
    JsonNode pid = n.get("pid");
    Instant created = Json.instant(n, "created_at", Instant.EPOCH);
    return new AgentInfo(
        Json.text(n, "agent_id"),
        Json.text(n, "team_id"),
        Json.text(n, "name"),
        Json.text(n, "role", Role.WORKER.name()),
        Json.ints(n, "gpu_ids"),
        Json.text(n, "tmux_session", ""),
        Json.text(n, "worktree_path", ""),
        Json.text(n, "task", ""),
        pid == null || pid.isNull() ? 0 : pid.asLong(),
        AgentStatus.parse(Json.text(n, "status", "running")),
        state,
        reason,
        created,
        Json.instant(n, "updated_at", created));
  }

  /** Encodes the agent fields into {@code n}. */
  public static ObjectNode agent(ObjectNode n, AgentInfo a, Instant lifecycleUpdatedAt) {
    n.put("agent_id", a.id());
    n.put("team_id", a.teamId());
    n.put("name", a.name());
    n.put("role", a.role());
    Json.putList(n, "gpu_ids", a.gpuIds());
    n.put("tmux_session", a.tmuxSession());
    n.put("worktree_path", a.worktreePath());
    n.put("task", a.task());
    if (a.pid() > 0) {
      n.put("pid", a.pid());
    } else {
      n.putNull("pid");
    }
    n.put("status", a.status().wireName());
    Json.put(n, "created_at", a.createdAt());
    Json.put(n, "updated_at", a.updatedAt());
    ObjectNode lc = n.putObject("lifecycle");
    lc.put("state", a.lifecycle().wireName());
    lc.put("reason", a.lifecycleReason());
    Json.put(lc, "updated_at", lifecycleUpdatedAt);
    return n;
  }
}
