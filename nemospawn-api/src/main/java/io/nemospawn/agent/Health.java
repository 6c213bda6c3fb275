package io.nemospawn.agent;

import java.util.List;
import java.util.Objects;

/**
 * An agent's health after a watch pass.
 *
 * @param agentId the agent
 * @param name its name
 * @param state {@code healthy}, {@code dead} (found dead in this pass), {@code stuck}, or {@code
 *     stopped}
 * @param reason why, or an empty string
 * @param requeued ids of its running tasks returned to {@code pending} in this pass
 * @since 0.1
 */
public record Health(
    String agentId, String name, String state, String reason, List<String> requeued) {
  /** Validates and copies. */
  public Health {
    Objects.requireNonNull(agentId, "agentId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
    requeued = List.copyOf(requeued);
  }

  /** Returns whether this is a problem: dead in this pass, or stuck. */
  public boolean unhealthy() {
    return state.equals("dead") || state.equals("stuck");
  }
}
