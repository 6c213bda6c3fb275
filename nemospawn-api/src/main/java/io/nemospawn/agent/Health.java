package io.nemospawn.agent;

import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An agent's health after a watch pass.
 *
 * @param agentId the agent
 * @param name its name
 * @param state {@code healthy}; {@code stuck} (no sign of life for too long); {@code dead} (its
 *     process ended on its own with a non-zero or unknown code); {@code exited} (ended on its own
 *     with code 0); {@code stopped} (stopped by a kill or an approved shutdown); {@code
 *     unreachable} (running on a host that cannot be reached now; not dead, its tasks stay its own)
 * @param reason why, or an empty string
 * @param requeued ids of its running tasks returned to {@code pending} in this pass
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
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

  /** Returns whether this is a problem: dead, stuck or unreachable. */
  public boolean unhealthy() {
    return state.equals("dead") || state.equals("stuck") || state.equals("unreachable");
  }
}
