package io.nemospawn.launch;

import io.nemospawn.NemoSpawn;
import org.apiguardian.api.API;

/**
 * Makes {@link Launcher}s; found with {@link java.util.ServiceLoader}. nemospawn-core provides
 * the implementation. For module authors.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface LaunchProvider {
  /** Returns a launcher working in the data directory of {@code nemoSpawn}. */
  Launcher launcher(NemoSpawn nemoSpawn);
}
