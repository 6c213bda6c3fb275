package io.nemospawn.core.internal.agent;

import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.Lifecycle;
import io.nemospawn.inbox.Inbox;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle protocol with consequences: an approved shutdown stops the agent's processes,
 * records its exit and frees its GPUs (its worktree stays, for merging); a rejected one is stored
 * and the agent is told why in its inbox. Thread-safe.
 */
public final class ActingLifecycle implements Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(ActingLifecycle.class);
  /** Sender name of messages the runtime itself sends. */
  public static final String SENDER = "nemospawn";

  private final Lifecycle records;
  private final AgentSupervisor supervisor;
  private final Supplier<Inbox> inbox;

  public ActingLifecycle(Lifecycle records, AgentSupervisor supervisor, Supplier<Inbox> inbox) {
    this.records = records;
    this.supervisor = supervisor;
    this.inbox = inbox;
  }

  @Override
  public AgentInfo idle(String agent, String reason) {
    return records.idle(agent, reason);
  }

  @Override
  public AgentInfo resume(String agent) {
    return records.resume(agent);
  }

  @Override
  public List<AgentInfo> idleAgents() {
    return records.idleAgents();
  }

  @Override
  public AgentInfo requestShutdown(String agent, String reason) {
    return records.requestShutdown(agent, reason);
  }

  @Override
  public AgentInfo approveShutdown(String agent, String reason) {
    AgentInfo approved = records.approveShutdown(agent, reason);
    String why = reason == null || reason.isBlank() ? "approved" : reason;
    return supervisor.stop(
        approved.id(), AgentSupervisor.GRACE, "shutdown approved: " + why, false);
  }

  @Override
  public AgentInfo rejectShutdown(String agent, String reason) {
    AgentInfo rejected = records.rejectShutdown(agent, reason);
    String why = reason == null || reason.isBlank() ? "no reason given" : reason;
    inbox
        .get()
        .send(
            SENDER,
            rejected.id(),
            "Your shutdown request was rejected: " + why
                + ". Keep working; check your tasks with: nemospawn task list --team "
                + rejected.teamId());
    log.debug("Told agent {} that its shutdown was rejected", rejected.id());
    return rejected;
  }

  @Override
  public AgentInfo markDead(String agent, String reason) {
    return records.markDead(agent, reason);
  }

  @Override
  public AgentInfo status(String agent) {
    return records.status(agent);
  }
}
