package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Mixin for {@code --data-dir} and for opening the data directory. Commands open it lazily, so
 * {@code --help} and usage errors never touch the file system.
 */
public final class StateOptions {
  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Data directory (default: $NEMOSPAWN_DATA_DIR, else ~/.nemospawn).")
  @Nullable
  Path dataDir;

  /** Opens the data directory; the caller closes it. */
  public NemoSpawn open() {
    return dataDir == null ? NemoSpawn.open() : NemoSpawn.open(dataDir);
  }

  /** Opens the data directory with {@code user} recorded in its audit entries; the caller closes it. */
  public NemoSpawn open(String user) {
    NemoSpawn.Builder b = NemoSpawn.builder().user(user);
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    return b.open();
  }

  /** Returns the data directory that {@link #open()} uses. */
  public Path dataDir() {
    return (dataDir == null ? NemoSpawn.defaultDataDir() : dataDir)
        .toAbsolutePath()
        .normalize();
  }
}
