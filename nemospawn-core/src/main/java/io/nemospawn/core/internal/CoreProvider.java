package io.nemospawn.core.internal;

import io.nemospawn.NemoSpawn;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.Environment;
import io.nemospawn.spi.NemoSpawnProvider;
import java.nio.file.Path;
import java.time.InstantSource;

/** The file-backed runtime, found through {@link java.util.ServiceLoader}. */
public final class CoreProvider implements NemoSpawnProvider {
  @Override
  public NemoSpawn open(Path dataDir, Durability durability, InstantSource clock, String user) {
    return new FileNemoSpawn(dataDir, durability, clock, user, Environment::get);
  }
}
