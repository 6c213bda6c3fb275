package io.nemospawn.agent;

import io.nemospawn.Listing;
import java.util.List;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * Agent profiles stored as {@code D/profiles/<name>.json}. A name that is not stored but names a
 * supported agent CLI resolves to that CLI's defaults, so {@code --profile claude} works without
 * creating anything. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Profiles {
  /** Lists the stored profiles; unreadable files are in {@link Listing#problems()}. */
  Listing<Profile> list();

  /** Returns a stored profile, else the defaults of the agent CLI of that name. */
  Optional<Profile> find(String name);

  /**
   * Returns a profile.
   *
   * @throws java.util.NoSuchElementException naming the stored profiles and the agent CLIs
   */
  Profile get(String name);

  /**
   * Stores a new profile.
   *
   * @throws IllegalArgumentException when the name is taken or the agent unknown
   */
  Profile create(Profile profile);

  /**
   * Deletes a stored profile.
   *
   * @throws java.util.NoSuchElementException when none is stored under that name
   */
  void delete(String name);

  /** Returns the supported agent CLIs. */
  List<AgentKind> agentKinds();

  /**
   * Checks that a profile can run here: its command on PATH, its {@code --version}, its auth
   * variable set.
   */
  List<Check> doctor(String name);
}
