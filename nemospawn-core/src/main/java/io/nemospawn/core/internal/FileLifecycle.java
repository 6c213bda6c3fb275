package io.nemospawn.core.internal;

import io.nemospawn.TeamEvent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.Lifecycle;
import io.nemospawn.agent.LifecycleState;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The lifecycle protocol stored in each agent's {@code lifecycle} field. Transitions are checked
 * under the agents lock, so a shutdown is approved or rejected at most once.
 */
public final class FileLifecycle implements Lifecycle {
  private final TeamContext ctx;
  private final FileAgents agents;

  public FileLifecycle(TeamContext ctx, FileAgents agents) {
    this.ctx = ctx;
    this.agents = agents;
    // Emit an event whenever an agent's lifecycle state differs from the last one seen.
    Map<String, LifecycleState> last = new java.util.concurrent.ConcurrentHashMap<>();
    ctx.events().decoder(FileAgents.SUB, (file, node) -> {
      AgentInfo a = Codecs.agent(node);
      LifecycleState before = last.put(a.id(), a.lifecycle());
      if (before == a.lifecycle()) {
        return Optional.empty();
      }
      return Optional.of(new TeamEvent.AgentLifecycleChanged(
          a.teamId(), a.id(), a.lifecycle(), a.lifecycleReason(), ctx.now()));
    });
  }

  @Override
  public AgentInfo idle(String agent, String reason) {
    return move(
        agent,
        LifecycleState.IDLE,
        reason,
        EnumSet.of(LifecycleState.RUNNING, LifecycleState.IDLE),
        "lifecycle.idle");
  }

  @Override
  public AgentInfo resume(String agent) {
    return move(
        agent,
        LifecycleState.RUNNING,
        "",
        EnumSet.of(LifecycleState.IDLE, LifecycleState.RUNNING),
        "lifecycle.resume");
  }

  @Override
  public List<AgentInfo> idleAgents() {
    return agents.list().items().stream()
        .filter(a -> a.lifecycle() == LifecycleState.IDLE)
        .toList();
  }

  @Override
  public AgentInfo requestShutdown(String agent, String reason) {
    return move(
        agent,
        LifecycleState.SHUTDOWN_REQUESTED,
        reason,
        EnumSet.of(LifecycleState.RUNNING, LifecycleState.IDLE, LifecycleState.SHUTDOWN_REQUESTED),
        "lifecycle.shutdown_request");
  }

  @Override
  public AgentInfo approveShutdown(String agent, String reason) {
    return move(
        agent,
        LifecycleState.SHUTDOWN_APPROVED,
        reason,
        EnumSet.of(LifecycleState.SHUTDOWN_REQUESTED),
        "lifecycle.shutdown_approve");
  }

  @Override
  public AgentInfo rejectShutdown(String agent, String reason) {
    return move(
        agent,
        LifecycleState.RUNNING,
        reason,
        EnumSet.of(LifecycleState.SHUTDOWN_REQUESTED),
        "lifecycle.shutdown_reject");
  }

  @Override
  public AgentInfo markDead(String agent, String reason) {
    return move(
        agent, LifecycleState.DEAD, reason, EnumSet.allOf(LifecycleState.class), "lifecycle.dead");
  }

  @Override
  public AgentInfo status(String agent) {
    return agents.get(agent);
  }

  private AgentInfo move(
      String agent, LifecycleState to, String reason, Set<LifecycleState> from, String event) {
    String why = reason == null ? "" : reason;
    AgentInfo updated = agents.update(
        agent,
        a -> {
          if (!from.contains(a.lifecycle())) {
            throw new IllegalStateException(
                "Cannot move agent '" + a.name() + "' (" + a.id() + ") from "
                    + a.lifecycle().wireName() + " to " + to.wireName() + "; allowed from: "
                    + from.stream().map(LifecycleState::wireName).toList());
          }
          return new AgentInfo(
              a.id(),
              a.teamId(),
              a.name(),
              a.role(),
              a.gpuIds(),
              a.tmuxSession(),
              a.worktreePath(),
              a.task(),
              a.pid(),
              a.status(),
              to,
              why,
              a.createdAt(),
              ctx.now());
        },
        true);
    ctx.audit(event, updated.id(), Map.of("state", to.wireName(), "reason", why));
    return updated;
  }
}
