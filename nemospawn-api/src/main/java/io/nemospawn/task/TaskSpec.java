package io.nemospawn.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What a new task should be: title, optional description, owner, dependencies and metadata.
 * Immutable; {@code withX} and {@link #after} return modified copies.
 *
 * <pre>{@code
 * TaskSpec.of("evaluate").after(train.id()).withOwner("evaluator-1a2b3c4d")
 * }</pre>
 *
 * @param title free text, verbatim; not empty
 * @param description free text, verbatim
 * @param owner the agent to own it, or an empty string
 * @param blockedBy ids of tasks it depends on
 * @param metadata initial metadata
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record TaskSpec(
    String title,
    String description,
    String owner,
    List<String> blockedBy,
    Map<String, Object> metadata) {

  /** Validates and copies. */
  public TaskSpec {
    Objects.requireNonNull(title, "title");
    if (title.isBlank()) {
      throw new IllegalArgumentException("A task title must not be empty");
    }
    description = description == null ? "" : description;
    owner = owner == null ? "" : owner;
    blockedBy = List.copyOf(new LinkedHashSet<>(blockedBy));
    metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** Returns a spec with just a title. */
  public static TaskSpec of(String title) {
    return new TaskSpec(title, "", "", List.of(), Map.of());
  }

  /** Returns a copy that also depends on the given task ids. */
  public TaskSpec after(String... taskIds) {
    List<String> deps = new ArrayList<>(blockedBy);
    deps.addAll(List.of(taskIds));
    return new TaskSpec(title, description, owner, deps, metadata);
  }

  /** Returns a copy with this owner (an empty string: none). */
  public TaskSpec withOwner(String agentId) {
    return new TaskSpec(title, description, agentId, blockedBy, metadata);
  }

  /** Returns a copy with this description. */
  public TaskSpec withDescription(String text) {
    return new TaskSpec(title, text, owner, blockedBy, metadata);
  }

  /** Returns a copy with one more metadata entry. */
  public TaskSpec withMetadata(String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(metadata);
    m.put(key, value);
    return new TaskSpec(title, description, owner, blockedBy, m);
  }

  /**
   * Returns a copy with this owner.
   *
   * @deprecated use {@link #withOwner(String)}; copy methods are named {@code withX}
   */
  @Deprecated(since = "0.1")
  public TaskSpec owner(String agentId) {
    return withOwner(agentId);
  }

  /**
   * Returns a copy with this description.
   *
   * @deprecated use {@link #withDescription(String)}; copy methods are named {@code withX}
   */
  @Deprecated(since = "0.1")
  public TaskSpec description(String text) {
    return withDescription(text);
  }

  /**
   * Returns a copy with one more metadata entry.
   *
   * @deprecated use {@link #withMetadata(String, Object)}; copy methods are named {@code withX}
   */
  @Deprecated(since = "0.1")
  public TaskSpec metadata(String key, Object value) {
    return withMetadata(key, value);
  }
}
