package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.TeamInfo;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The JSON shapes that {@code --json} prints for teams, agents and tasks: the field names of the
 * state files (FORMAT.md), so that scripts can read either.
 */
final class CoreViews {
  private CoreViews() {}

  static String time(Instant t) {
    return StateFormat.formatTimestamp(t);
  }

  static Map<String, Object> team(TeamInfo t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("team_id", t.id());
    m.put("name", t.name());
    m.put("description", t.description());
    m.put("gpu_ids", t.gpuIds());
    m.put("status", t.status());
    m.put("created_at", time(t.createdAt()));
    return m;
  }

  static Map<String, Object> agent(AgentInfo a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("agent_id", a.id());
    m.put("team_id", a.teamId());
    m.put("name", a.name());
    m.put("role", a.role());
    m.put("gpu_ids", a.gpuIds());
    m.put("task", a.task());
    m.put("pid", a.pid() > 0 ? a.pid() : null);
    m.put("status", a.status().wireName());
    m.put("lifecycle", a.lifecycle().wireName());
    m.put("created_at", time(a.createdAt()));
    m.put("updated_at", time(a.updatedAt()));
    return m;
  }

  static Map<String, Object> task(Task t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("task_id", t.id());
    m.put("team_id", t.teamId());
    m.put("title", t.title());
    m.put("agent_id", t.hasOwner() ? t.owner() : null);
    m.put("status", t.state().wireName());
    m.put("blocked_by", t.blockedBy());
    m.put("metadata", t.metadata());
    m.put("created_at", time(t.createdAt()));
    m.put("updated_at", time(t.updatedAt()));
    m.put("description", t.description());
    m.put("lease_owner", t.lease().isPresent() ? t.lease().owner() : null);
    m.put("lease_expires_at", t.lease().isPresent() ? time(t.lease().expiresAt()) : null);
    return m;
  }

  static List<Map<String, Object>> problems(Listing<?> listing) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Listing.Problem p : listing.problems()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", p.path().toString());
      m.put("reason", p.reason());
      out.add(m);
    }
    return out;
  }

  /**
   * Warns on standard error when a task's owner is neither {@code leader} nor an agent of the
   * team (by id or name). NemoSpawn 1.0 stores any owner, and agents may register after their
   * tasks are planned, so this warns rather than refuses; called before the write, so an
   * unreadable agent record stops the command with nothing stored.
   */
  static void warnUnknownOwner(Output out, Team team, @Nullable String owner) {
    if (owner == null || owner.isEmpty() || owner.equals("leader")) {
      return;
    }
    if (team.agents().find(owner).isEmpty()) {
      String agents =
          team.agents().list().items().stream().map(a -> a.id()).collect(Collectors.joining(", "));
      out.err()
          .println("Warning: owner '" + owner + "' is not an agent of team " + team.id()
              + " (agents: " + (agents.isEmpty() ? "none" : agents)
              + "); the task is assigned to it"
              + " anyway. Register it with: nemospawn agent register " + owner + " --team "
              + team.id());
      out.err().flush();
    }
  }

  /** How to recover a team whose team.json is unreadable; its other files are intact. */
  static final String TEAM_JSON_RECOVERY = "; the team's other files are intact: restore team.json"
      + " from a backup or rewrite it (team_id = the directory's name, name, description,"
      + " gpu_ids, status, created_at; see docs/state-format.md)";

  /** Prints each problem of a listing on standard error, one line each. */
  static void reportProblems(Output out, Listing<?> listing, String what) {
    for (Listing.Problem p : listing.problems()) {
      out.err()
          .println("Warning: unreadable " + what + " " + p.path() + ": " + p.reason()
              + (p.path().getFileName().toString().equals("team.json") ? TEAM_JSON_RECOVERY : ""));
    }
    out.err().flush();
  }

  static String list(List<?> values) {
    return values.isEmpty()
        ? "-"
        : values.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  static String shorten(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }
}
