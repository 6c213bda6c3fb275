package io.nemospawn.cli;

import io.nemospawn.Listing;
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

/**
 * The JSON shapes that {@code --json} prints for teams, agents and tasks: the field names of the
 * state files (FORMAT.md), so that scripts can read either.
 */
final class CoreViews {
  private CoreViews() {}

  static String time(Instant t) {
    return t == null ? null : StateFormat.formatTimestamp(t);
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

  /** Prints each problem of a listing on standard error, one line each. */
  static void reportProblems(Output out, Listing<?> listing, String what) {
    for (Listing.Problem p : listing.problems()) {
      out.err().println("Warning: unreadable " + what + " " + p.path() + ": " + p.reason());
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
