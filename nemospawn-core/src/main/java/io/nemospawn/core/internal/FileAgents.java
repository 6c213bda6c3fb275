package io.nemospawn.core.internal;

import io.nemospawn.AgentSpec;
import io.nemospawn.Listing;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.Agents;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.agent.Role;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.StateFormat;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ObjectNode;

/** Agent records in {@code agents/<agent_id>.json}; writes hold the team's agents lock. */
public final class FileAgents implements Agents {
  static final String SUB = "agents";
  private final TeamContext ctx;

  public FileAgents(TeamContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public AgentInfo register(AgentSpec spec) {
    Objects.requireNonNull(spec, "agent");
    String name = spec.name();
    List<String> spawnOnly = new ArrayList<>();
    if (spec.gpuCount() > 0) {
      spawnOnly.add("GPU count " + spec.gpuCount());
    }
    if (!spec.command().isEmpty()) {
      spawnOnly.add("command " + spec.command());
    }
    if (!spec.profile().isEmpty()) {
      spawnOnly.add("profile '" + spec.profile() + "'");
    }
    if (!spec.runtime().isEmpty()) {
      spawnOnly.add("runtime '" + spec.runtime() + "'");
    }
    if (spec.repo() != null) {
      spawnOnly.add("repository " + spec.repo());
    }
    if (!spec.env().isEmpty()) {
      spawnOnly.add("environment " + spec.env().keySet());
    }
    if (spec.network()) {
      spawnOnly.add("network");
    }
    if (spec.detached()) {
      spawnOnly.add("detached");
    }
    if (!spawnOnly.isEmpty()) {
      throw new IllegalArgumentException("Cannot register agent '" + name + "' with "
          + String.join(", ", spawnOnly) + ": registering records an agent started by hand and"
          + " starts nothing; give only its name, role, GPU indices and task, or spawn it");
    }
    String role = spec.role();
    List<Integer> gpuIds = spec.gpuIds();
    String task = spec.task();
    StateFormat.requireIdPrefix("agent name", name);
    String r =
        role == null || role.isBlank() ? Role.WORKER.name() : Role.of(role).name();
    for (Integer g : gpuIds) {
      if (g == null || g < 0) {
        throw new IllegalArgumentException(
            "Invalid GPU index " + g + " for agent '" + name + "'; use indices >= 0");
      }
    }
    try (StateLock lock = ctx.lock(SUB)) {
      Listing<AgentInfo> all = list();
      requireNoUnreadableRecord(name, all);
      Optional<AgentInfo> clash =
          all.items().stream().filter(a -> a.name().equals(name)).findFirst();
      if (clash.isPresent()) {
        throw new IllegalArgumentException("An agent named '" + name + "' exists already in team "
            + ctx.teamId() + " (" + clash.get().id() + "); choose another name");
      }
      Instant now = ctx.now();
      String id = ctx.store()
          .createWithFreshId(
              () -> StateFormat.newId(name),
              i -> ctx.layout().record(ctx.teamId(), SUB, i),
              i -> Codecs.agent(
                  Json.object(),
                  new AgentInfo(
                      i,
                      ctx.teamId(),
                      name,
                      r,
                      gpuIds,
                      "",
                      "",
                      task,
                      0,
                      AgentStatus.RUNNING,
                      LifecycleState.RUNNING,
                      "",
                      now,
                      now),
                  now));
      ctx.audit("agent.register", id, Map.of("name", name, "role", r, "gpu_ids", gpuIds));
      return get(id);
    }
  }

  @Override
  public AgentInfo get(String idOrName) {
    return find(idOrName)
        .orElseThrow(() -> new NoSuchElementException("No agent '" + StateFormat.printable(idOrName)
            + "' in team " + ctx.teamId() + "; agents: " + names()));
  }

  /**
   * {@inheritDoc}
   *
   * @throws io.nemospawn.StateException naming the file when the agent's record is unreadable (a
   *     truncated file, a field of the wrong type): it is not "no such agent"
   */
  @Override
  public Optional<AgentInfo> find(String idOrName) {
    java.util.Objects.requireNonNull(idOrName, "idOrName");
    if (StateFormat.isValidId(idOrName)) {
      Path f = file(idOrName);
      Optional<AgentInfo> byId = ctx.store().readIfExists(f, Codecs::agent);
      if (byId.isPresent()) {
        return byId;
      }
    }
    Listing<AgentInfo> all = list();
    List<AgentInfo> byName =
        all.items().stream().filter(a -> a.name().equals(idOrName)).toList();
    if (byName.isEmpty()) {
      requireNoUnreadableRecord(idOrName, all);
    }
    return byName.size() == 1 ? Optional.of(byName.get(0)) : Optional.empty();
  }

  /**
   * Refuses a name while a record that may hold it is unreadable: agent ids are the name, a dash
   * and 8 hex digits, so {@code a1-1a2b3c4d.json} blocks the name {@code a1} until it is repaired
   * or removed. Otherwise a truncated record would read as "no such agent" and a second agent of
   * the same name could be registered.
   */
  static void requireNoUnreadableRecord(String name, Listing<AgentInfo> all) {
    for (Listing.Problem p : all.problems()) {
      String file = p.path().getFileName().toString();
      String stem = file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
      boolean match = stem.equals(name)
          || (stem.length() == name.length() + 9
              && stem.startsWith(name + "-")
              && stem.substring(name.length() + 1).matches("[0-9a-f]{8}"));
      if (match) {
        throw new io.nemospawn.StateException(
            p.path(),
            "The record of agent '" + StateFormat.printable(name) + "' is unreadable: "
                + p.path() + ": " + p.reason() + "; correct the file or remove it (the agent is"
                + " then forgotten), then retry");
      }
    }
  }

  @Override
  public Listing<AgentInfo> list() {
    return ctx.store()
        .list(
            ctx.sub(SUB),
            Codecs::agent,
            Comparator.comparing(AgentInfo::createdAt).thenComparing(AgentInfo::id));
  }

  @Override
  public AgentInfo updateStatus(String idOrName, AgentStatus status, long pid) {
    AgentInfo updated = update(
        idOrName,
        a -> new AgentInfo(
            a.id(),
            a.teamId(),
            a.name(),
            a.role(),
            a.gpuIds(),
            a.tmuxSession(),
            a.worktreePath(),
            a.task(),
            pid,
            status,
            a.lifecycle(),
            a.lifecycleReason(),
            a.createdAt(),
            ctx.now()),
        false);
    ctx.audit("agent.status", updated.id(), Map.of("status", status.wireName(), "pid", pid));
    return updated;
  }

  /**
   * Applies a change to an agent record under the agents lock, keeping fields other tools added.
   *
   * @param lifecycleChanged whether to stamp the lifecycle's {@code updated_at}
   */
  AgentInfo update(String idOrName, UnaryOperator<AgentInfo> change, boolean lifecycleChanged) {
    try (StateLock lock = ctx.lock(SUB)) {
      AgentInfo current = get(idOrName);
      ObjectNode node = ctx.store().read(file(current.id()));
      AgentInfo next = change.apply(current);
      Instant lcAt = lifecycleChanged
          ? next.updatedAt()
          : Json.instant(
              node.get("lifecycle") instanceof ObjectNode l ? l : Json.object(),
              "updated_at",
              next.updatedAt());
      ctx.store().write(file(current.id()), Codecs.agent(node, next, lcAt));
      return next;
    }
  }

  private java.nio.file.Path file(String id) {
    return ctx.layout().record(ctx.teamId(), SUB, id);
  }

  private String names() {
    List<AgentInfo> all = list().items();
    return all.isEmpty()
        ? "none registered"
        : all.stream().map(a -> a.name() + " (" + a.id() + ")").collect(Collectors.joining(", "));
  }
}
