package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.inbox.Message;
import io.nemospawn.plan.Plan;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --json} shapes of plans, messages, artifacts and lifecycle records: the field names
 * of the on-disk format (FORMAT.md), so scripts can read either.
 */
final class CoordViews {
  private CoordViews() {}

  static String time(Instant t) {
    return CoreViews.time(t);
  }

  static Map<String, Object> plan(Plan p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("plan_id", p.id());
    m.put("team_id", p.teamId());
    m.put("agent_id", p.agentId());
    m.put("title", p.title());
    m.put("description", p.description());
    m.put("steps", p.steps());
    m.put("status", p.status().wireName());
    m.put("reviewer", p.reviewer().isEmpty() ? null : p.reviewer());
    m.put("review_comment", p.reviewComment().isEmpty() ? null : p.reviewComment());
    m.put("created_at", time(p.createdAt()));
    Instant reviewed = p.reviewedAt();
    m.put("reviewed_at", reviewed == null ? null : time(reviewed));
    return m;
  }

  static Map<String, Object> message(Message msg) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("msg_id", msg.id());
    m.put("team_id", msg.teamId());
    m.put("from_agent", msg.from());
    m.put("to_agent", msg.to());
    m.put("body", msg.body());
    m.put("timestamp", time(msg.timestamp()));
    m.put("read", msg.read());
    return m;
  }

  static Map<String, Object> artifact(Artifact a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("artifact_id", a.id());
    m.put("team_id", a.teamId());
    m.put("artifact_type", a.type().wireName());
    m.put("path", a.path());
    m.put("agent_id", a.agentId());
    m.put("val_loss", Double.isNaN(a.valLoss()) ? null : a.valLoss());
    m.put("metrics", a.metrics());
    m.put("nemo_config_hash", a.nemoConfigHash());
    m.put("promoted", a.promoted());
    m.put("tags", a.tags());
    m.put("created_at", time(a.createdAt()));
    return m;
  }

  static Map<String, Object> lifecycle(AgentInfo a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("agent_id", a.id());
    m.put("name", a.name());
    m.put("status", a.status().wireName());
    Map<String, Object> lc = new LinkedHashMap<>();
    lc.put("state", a.lifecycle().wireName());
    lc.put("reason", a.lifecycleReason());
    m.put("lifecycle", lc);
    m.put("updated_at", time(a.updatedAt()));
    return m;
  }

  static List<Map<String, Object>> problems(Listing<?> listing) {
    return listing.problems().stream()
        .map(p -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("path", p.path().toString());
          m.put("reason", p.reason());
          return m;
        })
        .toList();
  }

  /** Prints a listing's unreadable records on standard error, one line each. */
  static void warnProblems(Output out, Listing<?> listing) {
    for (Listing.Problem p : listing.problems()) {
      out.err().println("Warning: cannot read " + p.path() + ": " + p.reason());
    }
    out.err().flush();
  }

  /** Returns a value for a table cell: empty text shows as {@code -}. */
  static String cell(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}
