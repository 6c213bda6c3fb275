package io.nemospawn.core.internal;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Transport;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.Environment;
import io.nemospawn.spi.NemoSpawnProvider;
import java.nio.file.Path;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;

/** The file-backed runtime, found through {@link java.util.ServiceLoader}. */
public final class CoreProvider implements NemoSpawnProvider {
  @Override
  public NemoSpawn open(
      Path dataDir, @Nullable Durability durability, InstantSource clock, @Nullable String user) {
    return open(dataDir, durability, clock, user, null);
  }

  @Override
  public NemoSpawn open(
      Path dataDir,
      @Nullable Durability durability,
      InstantSource clock,
      @Nullable String user,
      @Nullable Transport transport) {
    return new FileNemoSpawn(dataDir, durability, clock, user, Environment::get, transport);
  }

  @Override
  public NemoSpawn open(
      Path dataDir,
      @Nullable Durability durability,
      InstantSource clock,
      @Nullable String user,
      @Nullable Transport transport,
      @Nullable String key,
      boolean keyRequired) {
    return new FileNemoSpawn(
        dataDir, durability, clock, user, Environment::get, transport, key, keyRequired);
  }
}
