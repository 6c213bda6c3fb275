package io.nemospawn.core.internal;

import io.nemospawn.GpuUnavailableException;
import io.nemospawn.Remedied;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.StateFormat;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent-record operations spawning needs beyond {@link FileAgents}: reserving a name and GPUs
 * atomically (the GPU lease), and reading and patching the extra fields runtimes keep (pid start
 * time, runtime, log, exit code …), which the Python tool ignores. Every write holds the team's
 * agents lock, so two spawns never lease the same GPU. Thread-safe.
 */
public final class AgentRecords {
  /** Statuses whose GPUs are leased. */
  public static final Set<AgentStatus> LEASING =
      EnumSet.of(AgentStatus.SPAWNING, AgentStatus.RUNNING);

  /** Chooses {@code count} GPUs among the free ones (placement policy). */
  @FunctionalInterface
  public interface Placement {
    /** Returns {@code count} of {@code free}, or fewer when impossible. */
    List<Integer> place(int count, List<Integer> free);
  }

  private final TeamContext ctx;
  private final FileAgents agents;

  public AgentRecords(TeamContext ctx, FileAgents agents) {
    this.ctx = ctx;
    this.agents = agents;
  }

  /** Returns which agent (by name) leases each GPU now. */
  public Map<Integer, String> leases() {
    Map<Integer, String> held = new TreeMap<>();
    for (AgentInfo a : agents.list().items()) {
      if (LEASING.contains(a.status())) {
        for (Integer g : a.gpuIds()) {
          held.putIfAbsent(g, a.name());
        }
      }
    }
    return held;
  }

  /**
   * Reserves a new agent record in status {@code spawning} with its GPUs leased, all under the
   * agents lock.
   *
   * @param pool the team's GPUs; empty means any index may be asked for explicitly
   * @param explicit GPUs asked for by index, or empty
   * @param count GPUs to place, or 0
   * @param extra fields to add to the record
   * @throws GpuUnavailableException when a GPU asked for is leased, not the team's, or too few
   *     are free
   */
  public AgentInfo reserve(
      String name,
      String role,
      String task,
      List<Integer> pool,
      List<Integer> explicit,
      int count,
      Placement placement,
      Consumer<ObjectNode> extra) {
    StateFormat.requireIdPrefix("agent name", name);
    StateFormat.requireName("agent role", role);
    try (StateLock lock = ctx.lock(FileAgents.SUB)) {
      io.nemospawn.Listing<AgentInfo> listing = agents.list();
      FileAgents.requireNoUnreadableRecord(name, listing);
      List<AgentInfo> all = listing.items();
      Optional<AgentInfo> clash = all.stream()
          .filter(a -> a.name().equals(name) && LEASING.contains(a.status()))
          .findFirst();
      if (clash.isPresent()) {
        throw new Remedied.InvalidArgument(
            Remedied.Remedy.of(Remedied.Action.STOP_AGENT, clash.get().id(), ctx.teamId()),
            "An agent named '" + name + "' is already running in"
                + " team " + ctx.teamId() + " (" + clash.get().id() + "); choose another name or"
                + " stop it first (Agent.stop)");
      }
      Map<Integer, String> held = leases();
      List<Integer> free = new ArrayList<>();
      for (Integer g : pool) {
        if (!held.containsKey(g)) {
          free.add(g);
        }
      }
      List<Integer> gpus = explicit.isEmpty() ? List.of() : List.copyOf(explicit);
      if (!explicit.isEmpty()) {
        for (Integer g : explicit) {
          if (!pool.isEmpty() && !pool.contains(g)) {
            throw new GpuUnavailableException(
                explicit,
                free,
                "Cannot spawn agent '" + name
                    + "' on GPU " + g + ": GPU " + g + " is not one of team " + ctx.teamId()
                    + "'s GPUs " + pool + ". Free GPUs: " + free + ".");
          }
          if (held.containsKey(g)) {
            throw new GpuUnavailableException(
                explicit,
                free,
                "Cannot spawn agent '" + name
                    + "' on GPU " + g + ": GPU " + g + " is leased by '" + held.get(g)
                    + "'. Free GPUs: " + free + ".");
          }
        }
      } else if (count > 0) {
        if (pool.isEmpty()) {
          throw new GpuUnavailableException(
              List.of(),
              List.of(),
              "Cannot spawn agent '" + name
                  + "' on " + count + " GPU(s): team " + ctx.teamId() + " has no GPUs; create the"
                  + " team with GPUs, or give the agent GPU indices instead of a count");
        }
        List<Integer> chosen = placement.place(count, free);
        if (chosen.size() < count) {
          throw new GpuUnavailableException(
              List.of(),
              free,
              "Cannot spawn agent '" + name
                  + "' on " + count + " GPU(s): only " + free.size() + " of team " + ctx.teamId()
                  + "'s GPUs " + pool + " are free (leased: " + held + "). Free GPUs: " + free
                  + ".");
        }
        gpus = List.copyOf(chosen);
      }
      Instant now = ctx.now();
      List<Integer> leased = gpus;
      String id = ctx.store()
          .createWithFreshId(
              () -> StateFormat.newId(name),
              i -> ctx.layout().record(ctx.teamId(), FileAgents.SUB, i),
              i -> {
                ObjectNode n = Codecs.agent(
                    Json.object(),
                    new AgentInfo(
                        i,
                        ctx.teamId(),
                        name,
                        role,
                        leased,
                        "",
                        "",
                        task,
                        0,
                        AgentStatus.SPAWNING,
                        LifecycleState.RUNNING,
                        "",
                        now,
                        now),
                    now);
                extra.accept(n);
                return n;
              });
      ctx.audit("agent.spawn", id, Map.of("name", name, "role", role, "gpu_ids", leased));
      return agents.get(id);
    }
  }

  /** Reads an agent's raw record (with the extra fields). */
  public ObjectNode raw(String id) {
    return ctx.store().read(file(id));
  }

  /**
   * Changes an agent's record under the agents lock: {@code info} maps the record, then {@code
   * patch} edits extra fields.
   */
  public AgentInfo patch(String id, UnaryOperator<AgentInfo> info, Consumer<ObjectNode> patch) {
    try (StateLock lock = ctx.lock(FileAgents.SUB)) {
      ObjectNode node = ctx.store().read(file(id));
      AgentInfo current = Codecs.agent(node);
      AgentInfo next = info.apply(current);
      boolean lcChanged = next.lifecycle() != current.lifecycle()
          || !next.lifecycleReason().equals(current.lifecycleReason());
      Instant lcAt = lcChanged
          ? next.updatedAt()
          : Json.instant(
              node.get("lifecycle") instanceof ObjectNode l ? l : Json.object(),
              "updated_at",
              next.updatedAt());
      Codecs.agent(node, next, lcAt);
      patch.accept(node);
      ctx.store().write(file(id), node);
      return next;
    }
  }

  /** Returns a copy of {@code a} with new process fields. */
  public static AgentInfo with(
      AgentInfo a,
      AgentStatus status,
      long pid,
      String tmuxSession,
      String worktree,
      LifecycleState lifecycle,
      String reason,
      Instant now) {
    return new AgentInfo(
        a.id(),
        a.teamId(),
        a.name(),
        a.role(),
        a.gpuIds(),
        tmuxSession,
        worktree,
        a.task(),
        pid,
        status,
        lifecycle,
        reason,
        a.createdAt(),
        now);
  }

  private Path file(String id) {
    return ctx.layout().record(ctx.teamId(), FileAgents.SUB, id);
  }
}
