package io.nemospawn.spi;

import io.nemospawn.NemoSpawn;
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
}
