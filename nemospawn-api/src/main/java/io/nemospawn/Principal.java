package io.nemospawn;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Who a key belongs to: a user name, a role and, for agents (and optionally users), the one team
 * the key is scoped to.
 *
 * @param user the user name ({@code alice}), or the agent id for agent keys
 * @param role what the key may do
 * @param team the team the key is limited to, or an empty string for every team
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Principal(String user, AccessRole role, String team) {
  /** Validates: an agent key is always scoped to a team. */
  public Principal {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(role, "role");
    team = team == null ? "" : team;
    if (role == AccessRole.AGENT && team.isEmpty()) {
      throw new IllegalArgumentException(
          "An agent key must be scoped to a team; user " + user + " has none");
    }
  }

  /** Whether this principal may change team {@code teamId} (its records, agents, tasks …). */
  public boolean mayChangeTeam(String teamId) {
    return switch (role) {
      case ADMIN, USER -> team.isEmpty() || team.equals(teamId);
      case AGENT -> team.equals(teamId);
      case VIEWER -> false;
    };
  }

  /** Whether this principal may change data-directory-wide state (create teams, profiles). */
  public boolean mayChangeDataDir() {
    return (role == AccessRole.ADMIN || role == AccessRole.USER) && team.isEmpty();
  }

  /** Whether this principal may manage users and settings. */
  public boolean mayAdminister() {
    return role == AccessRole.ADMIN;
  }

  @Override
  public String toString() {
    return user + " (" + role.wireName() + (team.isEmpty() ? "" : ", team " + team) + ")";
  }
}
