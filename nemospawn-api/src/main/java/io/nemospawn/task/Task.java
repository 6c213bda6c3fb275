package io.nemospawn.task;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import org.apiguardian.api.API;

/**
 * One task of a team's graph, as stored in {@code tasks/<task_id>.json}.
 *
 * @param id {@code task-<8 hex>}
 * @param teamId the team
 * @param title free text, verbatim
 * @param description free text, verbatim (may be empty)
 * @param owner the agent id that owns it, or an empty string
 * @param state the state
 * @param blockedBy ids of the tasks it depends on
 * @param metadata free metadata; known keys: {@code val_loss}, {@code artifact_type}, {@code
 *     reassigned_from}, {@code reassigned_at}
 * @param lease the claim, or {@link Lease#none()}
 * @param createdAt creation time
 * @param updatedAt last change
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Task(
    String id,
    String teamId,
    String title,
    String description,
    String owner,
    TaskState state,
    List<String> blockedBy,
    Map<String, Object> metadata,
    Lease lease,
    Instant createdAt,
    Instant updatedAt) {

  /** Validates and copies. */
  public Task {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(title, "title");
    description = description == null ? "" : description;
    owner = owner == null ? "" : owner;
    Objects.requireNonNull(state, "state");
    blockedBy = List.copyOf(blockedBy);
    metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
    lease = lease == null ? Lease.none() : lease;
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** Returns whether an agent owns the task. */
  public boolean hasOwner() {
    return !owner.isEmpty();
  }

  /** Returns the {@code val_loss} metadata, if set and numeric. */
  public OptionalDouble valLoss() {
    Object v = metadata.get("val_loss");
    return v instanceof Number n ? OptionalDouble.of(n.doubleValue()) : OptionalDouble.empty();
  }

  @Override
  public String toString() {
    return "Task[" + id + " " + state.wireName() + (hasOwner() ? " owner=" + owner : "") + " title="
        + title.length() + " chars blockedBy=" + blockedBy + "]";
  }
}
