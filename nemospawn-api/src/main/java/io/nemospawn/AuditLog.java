package io.nemospawn;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The append-only log of mutations, {@code audit.jsonl}: one JSON object per line. Appends from
 * many processes never interleave. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface AuditLog {
  /**
   * Appends one entry, recorded as the user of the handle, chained to the line before it.
   *
   * @param event what happened, for example {@code user.create}
   * @param teamId the team, or an empty string
   * @param agentId the agent, or an empty string
   * @param details free-form details (never secrets)
   * @since 0.1
   */
  void append(String event, String teamId, String agentId, Map<String, Object> details);

  /** Returns the last {@code limit} entries, oldest first, optionally of one team (null: all). */
  List<Entry> tail(int limit, String teamId);

  /**
   * One audit line.
   *
   * @param timestamp when
   * @param event what happened, for example {@code task.update}
   * @param user who
   * @param teamId the team, or an empty string
   * @param agentId the agent, or an empty string
   * @param details free-form details
   */
  record Entry(
      Instant timestamp,
      String event,
      String user,
      String teamId,
      String agentId,
      Map<String, Object> details) {
    /** Validates and copies. */
    public Entry {
      Objects.requireNonNull(timestamp, "timestamp");
      Objects.requireNonNull(event, "event");
      user = user == null ? "" : user;
      teamId = teamId == null ? "" : teamId;
      agentId = agentId == null ? "" : agentId;
      details = Map.copyOf(details);
    }
  }
}
