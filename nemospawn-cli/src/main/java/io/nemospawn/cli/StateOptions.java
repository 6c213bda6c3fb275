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
    NemoSpawn remote = remote();
    if (remote != null) {
      return remote;
    }
    return dataDir == null ? NemoSpawn.open() : NemoSpawn.open(dataDir);
  }

  /** The environment variable that points the CLI at a control plane. */
  static final String URL_ENV = "NEMOSPAWN_URL";

  /** The environment variable holding the control plane's access key. */
  static final String KEY_ENV = "NEMOSPAWN_KEY";

  /** The environment variable naming a file (mode 0600) holding the access key. */
  static final String KEY_FILE_ENV = "NEMOSPAWN_KEY_FILE";

  /**
   * Connects to the control plane named by {@code NEMOSPAWN_URL}, with the key from {@code
   * NEMOSPAWN_KEY} or the file {@code NEMOSPAWN_KEY_FILE}; null when the variable is unset.
   */
  static @Nullable NemoSpawn remote() {
    String url = io.nemospawn.spi.Environment.get(URL_ENV);
    if (url == null || url.isBlank()) {
      return null;
    }
    String key = io.nemospawn.spi.Environment.get(KEY_ENV);
    String keyFile = io.nemospawn.spi.Environment.get(KEY_FILE_ENV);
    if ((key == null || key.isBlank()) && keyFile != null && !keyFile.isBlank()) {
      Path f = Path.of(keyFile);
      try {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
            java.nio.file.Files.getPosixFilePermissions(f);
        if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
            || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
          throw new IllegalArgumentException(
              "The key file " + f + " (" + KEY_FILE_ENV + ") is readable by others; chmod 600 it");
        }
        key = java.nio.file.Files.readString(f).strip();
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException(
            "Cannot read the key file " + f + " (" + KEY_FILE_ENV + "): " + e.getMessage(), e);
      }
    }
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException(URL_ENV + " is set to " + url + " but no key is given;"
          + " set " + KEY_ENV + " or " + KEY_FILE_ENV + " (a 0600 file) to the key nemospawn"
          + " serve printed");
    }
    java.net.URI uri;
    try {
      uri = java.net.URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid " + URL_ENV + " '" + url + "'; use tcp://HOST:PORT", e);
    }
    return NemoSpawn.connect(uri, key);
  }

  /** Opens the data directory with {@code user} recorded in its audit entries; the caller closes it. */
  public NemoSpawn open(String user) {
    NemoSpawn remote = remote();
    if (remote != null) {
      return remote;
    }
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
