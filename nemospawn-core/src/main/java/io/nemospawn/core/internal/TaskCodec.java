package io.nemospawn.core.internal;

import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.task.Lease;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Field-by-field mapping between {@link Task} and {@code tasks/<task_id>.json}. The fields of
 * FORMAT.md come first, in the order NemoSpawn 1.0 writes them ({@code task_id, team_id, title,
 * agent_id, status, blocked_by, metadata, created_at, updated_at}); our extras follow ({@code
 * description, lease_owner, lease_expires_at}). Encoding writes into an existing node, so fields
 * another tool added survive a rewrite.
 */
public final class TaskCodec {
  /** Extra field: free-text description. */
  public static final String DESCRIPTION = "description";
  /** Extra field: the agent holding the claim, or null. */
  public static final String LEASE_OWNER = "lease_owner";
  /** Extra field: when the claim ends, or null. */
  public static final String LEASE_EXPIRES_AT = "lease_expires_at";

  private TaskCodec() {}

  /**
   * Decodes a task file.
   *
   * @throws IllegalArgumentException naming the field that is missing or malformed
   */
  public static Task decode(ObjectNode n) {
    String id = Json.text(n, "task_id");
    if (!StateFormat.isValidId(id)) {
      throw new IllegalArgumentException(
          "field 'task_id' holds an invalid id '" + StateFormat.printable(id) + "'");
    }
    List<String> deps = Json.strings(n, "blocked_by");
    for (String d : deps) {
      if (!StateFormat.isValidId(d)) {
        throw new IllegalArgumentException(
            "field 'blocked_by' holds an invalid task id '" + StateFormat.printable(d) + "'");
      }
    }
    JsonNode meta = n.get("metadata");
    if (meta != null && !meta.isNull() && !meta.isObject()) {
      throw new IllegalArgumentException(
          "field 'metadata' must be an object, found " + meta.getNodeType());
    }
    Map<String, Object> metadata = Json.toMap(meta);
    String status = Json.text(n, "status", "pending");
    TaskState state;
    try {
      state = TaskState.parse(status);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field 'status': " + e.getMessage(), e);
    }
    Instant created = Json.instant(n, "created_at", Instant.EPOCH);
    String leaseOwner = Json.text(n, LEASE_OWNER, "");
    Lease lease = leaseOwner.isEmpty()
        ? Lease.none()
        : new Lease(leaseOwner, Json.instant(n, LEASE_EXPIRES_AT, Instant.EPOCH));
    return new Task(
        id,
        Json.text(n, "team_id"),
        Json.text(n, "title"),
        Json.text(n, DESCRIPTION, ""),
        Json.text(n, "agent_id", ""),
        state,
        deps,
        metadata,
        lease,
        created,
        Json.instant(n, "updated_at", created));
  }

  /** Encodes the task's fields into {@code n}, keeping the fields it does not know. */
  public static ObjectNode encode(ObjectNode n, Task t) {
    n.put("task_id", t.id());
    n.put("team_id", t.teamId());
    n.put("title", t.title());
    if (t.hasOwner()) {
      n.put("agent_id", t.owner());
    } else {
      n.putNull("agent_id");
    }
    n.put("status", t.state().wireName());
    Json.putList(n, "blocked_by", t.blockedBy());
    n.set("metadata", Json.toNode(t.metadata()));
    Json.put(n, "created_at", t.createdAt());
    Json.put(n, "updated_at", t.updatedAt());
    n.put(DESCRIPTION, t.description());
    if (t.lease().isPresent()) {
      n.put(LEASE_OWNER, t.lease().owner());
      Json.put(n, LEASE_EXPIRES_AT, t.lease().expiresAt());
    } else {
      n.putNull(LEASE_OWNER);
      n.putNull(LEASE_EXPIRES_AT);
    }
    return n;
  }
}
