package io.nemospawn.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A change to a task: a new state, owner, {@code val_loss} or metadata entries; parts left unset
 * stay as they are. Built with {@link #of} or {@link #none} and the {@code withX} copy methods.
 *
 * <pre>{@code
 * tasks.update(id, TaskUpdate.of(TaskState.DONE).withValLoss(0.231))
 * }</pre>
 *
 * @param state the new state, or null to keep it
 * @param owner the new owner, or null to keep it ("" clears it)
 * @param metadata entries to add or replace ({@code val_loss} among them)
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record TaskUpdate(
    @Nullable TaskState state, @Nullable String owner, Map<String, Object> metadata) {
  /** Copies. */
  public TaskUpdate {
    metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** Returns an update that changes nothing yet. */
  public static TaskUpdate none() {
    return new TaskUpdate(null, null, Map.of());
  }

  /** Returns an update to a state. */
  public static TaskUpdate of(TaskState state) {
    return new TaskUpdate(Objects.requireNonNull(state, "state"), null, Map.of());
  }

  /**
   * Returns an update to a state.
   *
   * @deprecated use {@link #of(TaskState)}: this factory shares its name with the accessor
   *     {@link #state()}
   */
  @Deprecated(since = "0.1")
  public static TaskUpdate state(TaskState state) {
    return of(state);
  }

  /** Returns a copy that also sets the state. */
  public TaskUpdate withState(TaskState newState) {
    return new TaskUpdate(Objects.requireNonNull(newState, "state"), owner, metadata);
  }

  /** Returns a copy that also sets the owner ("" clears it). */
  public TaskUpdate withOwner(String agentId) {
    return new TaskUpdate(state, Objects.requireNonNull(agentId, "agentId"), metadata);
  }

  /** Returns a copy that also records {@code val_loss}. */
  public TaskUpdate withValLoss(double valLoss) {
    return withMetadata("val_loss", valLoss);
  }

  /** Returns a copy that also sets a metadata entry. */
  public TaskUpdate withMetadata(String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(metadata);
    m.put(Objects.requireNonNull(key, "key"), value);
    return new TaskUpdate(state, owner, m);
  }
}
