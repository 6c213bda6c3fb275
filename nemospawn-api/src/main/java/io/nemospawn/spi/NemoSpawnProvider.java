package io.nemospawn.spi;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Transport;
import java.nio.file.Path;
import java.time.InstantSource;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Opens data directories; found with {@link java.util.ServiceLoader}. nemospawn-core provides the
 * implementation.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface NemoSpawnProvider {
  /**
   * Opens a data directory.
   *
   * @param dataDir absolute, normalised
   * @param durability null: the {@code durability} setting
   * @param clock the clock
   * @param user null: the {@code user} setting, else the login name
   */
  NemoSpawn open(
      Path dataDir, @Nullable Durability durability, InstantSource clock, @Nullable String user);

  /**
   * Opens a data directory whose teams use the given transport instead of the one the
   * environment and the settings name. The default serves a provider that predates this method:
   * it opens with {@link #open(Path, Durability, InstantSource, String)} when no transport is
   * given and refuses one it would ignore.
   *
   * @param transport null: the {@code NEMOSPAWN_TRANSPORT} variable, else the {@code transport}
   *     setting
   * @throws UnsupportedOperationException when a transport is given and the provider cannot
   *     apply it
   * @since 0.1
   */
  default NemoSpawn open(
      Path dataDir,
      @Nullable Durability durability,
      InstantSource clock,
      @Nullable String user,
      @Nullable Transport transport) {
    if (transport != null) {
      throw new UnsupportedOperationException(
          "The NemoSpawn runtime " + getClass().getName()
              + " cannot apply the transport " + transport.configName()
              + "; use its transport setting instead");
    }
    return open(dataDir, durability, clock, user);
  }

  /**
   * Opens a data directory acting for the owner of an access key. The default serves a provider
   * that predates this method: it refuses a key (or a required one) it would ignore.
   *
   * @param key null: no key
   * @param keyRequired whether a handle without a key is read-only when auth is on
   * @throws io.nemospawn.AccessDeniedException when the key is unknown or revoked
   * @throws UnsupportedOperationException when a key is given and the provider cannot check it
   * @since 0.1
   */
  default NemoSpawn open(
      Path dataDir,
      @Nullable Durability durability,
      InstantSource clock,
      @Nullable String user,
      @Nullable Transport transport,
      @Nullable String key,
      boolean keyRequired) {
    if (key != null || keyRequired) {
      throw new UnsupportedOperationException(
          "The NemoSpawn runtime " + getClass().getName() + " cannot check access keys");
    }
    return open(dataDir, durability, clock, user, transport);
  }
}
