package io.nemospawn.agent;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The result of one watch pass over a team's agents.
 *
 * @param at when the pass ran
 * @param agents each agent's health
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record HealthReport(Instant at, List<Health> agents) {
  /** Validates and copies. */
  public HealthReport {
    Objects.requireNonNull(at, "at");
    agents = List.copyOf(agents);
  }

  /** Returns how many agents run and are healthy. */
  public long healthy() {
    return agents.stream().filter(h -> h.state().equals("healthy")).count();
  }

  /** Returns how many agents are dead (found in this pass) or stuck. */
  public long unhealthy() {
    return agents.stream().filter(Health::unhealthy).count();
  }
}
