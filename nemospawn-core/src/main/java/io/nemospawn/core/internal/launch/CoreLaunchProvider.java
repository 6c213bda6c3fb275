package io.nemospawn.core.internal.launch;

import io.nemospawn.NemoSpawn;
import io.nemospawn.launch.LaunchProvider;
import io.nemospawn.launch.Launcher;

/** Provides the file-backed launcher through {@link java.util.ServiceLoader}. */
public final class CoreLaunchProvider implements LaunchProvider {
  @Override
  public Launcher launcher(NemoSpawn nemoSpawn) {
    return new FileLauncher(nemoSpawn);
  }
}
