package io.nemospawn.agent;

import java.util.List;
import org.apiguardian.api.API;

/**
 * The lifecycle protocol: an agent says it is idle or asks to shut down; the leader approves or
 * rejects. Each change is stored in the agent's record and emitted as an event; acting on an
 * approval (stopping the process) is the agent runtime's part. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Lifecycle {
  /** Marks the agent idle with a reason. */
  AgentInfo idle(String agent, String reason);

  /** Marks the agent running (working again). */
  AgentInfo resume(String agent);

  /** Lists the agents that are idle. */
  List<AgentInfo> idleAgents();

  /** Records the agent's request to shut down. */
  AgentInfo requestShutdown(String agent, String reason);

  /**
   * Approves a shutdown request.
   *
   * @throws IllegalStateException when no shutdown was requested
   */
  AgentInfo approveShutdown(String agent, String reason);

  /**
   * Rejects a shutdown request; the agent goes back to {@code running}.
   *
   * @throws IllegalStateException when no shutdown was requested
   */
  AgentInfo rejectShutdown(String agent, String reason);

  /** Marks the agent dead (its process is gone). */
  AgentInfo markDead(String agent, String reason);

  /** Returns the agent's record with its lifecycle state. */
  AgentInfo status(String agent);
}
