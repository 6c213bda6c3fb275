package io.nemospawn;

import java.util.Locale;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * What a key may do when the {@code auth} setting is on.
 *
 * <ul>
 *   <li>{@link #ADMIN}: everything, including managing users and changing settings.
 *   <li>{@link #USER}: every change to teams (create, spawn, tasks, messages, delete); not users
 *       or settings.
 *   <li>{@link #VIEWER}: reads only; every change is refused.
 *   <li>{@link #AGENT}: changes to its own team only (the team its key is scoped to).
 * </ul>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum AccessRole {
  /** Everything. */
  ADMIN,
  /** Every change to teams; not users or settings. */
  USER,
  /** Reads only. */
  VIEWER,
  /** Changes to its own team only. */
  AGENT;

  /** Returns the name as written in files and on the command line: {@code admin}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Finds a role by its wire name ({@code viewer}), ignoring case. */
  public static Optional<AccessRole> find(String name) {
    for (AccessRole r : values()) {
      if (r.wireName().equalsIgnoreCase(name)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
