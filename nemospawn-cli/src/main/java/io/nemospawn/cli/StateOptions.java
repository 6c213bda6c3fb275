package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.state.Authorizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
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

  /** Where the caller's key is looked up: the process environment (tests put a map here). */
  static UnaryOperator<@Nullable String> env = System::getenv;

  /**
   * Opens the data directory as the caller's key ({@link #callerKey()}) when there is one; with
   * auth on, a call without a key may only read. The caller closes it.
   */
  public NemoSpawn open() {
    NemoSpawn remote = remote();
    return remote != null ? remote : builder().open();
  }

  /** The environment variable that points the CLI at a control plane. */
  static final String URL_ENV = "NEMOSPAWN_URL";

  /**
   * Connects to the control plane named by {@code NEMOSPAWN_URL}, with the caller's key ({@link
   * #callerKey()}); null when the variable is unset.
   */
  static @Nullable NemoSpawn remote() {
    String url = io.nemospawn.spi.Environment.get(URL_ENV);
    if (url == null || url.isBlank()) {
      return null;
    }
    String key = callerKey().orElse(null);
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException(URL_ENV + " is set to " + url + " but no key is given;"
          + " set " + Authorizer.KEY_FILE_ENV + " (a 0600 file) or " + Authorizer.KEY_ENV
          + " to the key nemospawn serve printed");
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
    return remote != null ? remote : builder().user(user).open();
  }

  private NemoSpawn.Builder builder() {
    NemoSpawn.Builder b = NemoSpawn.builder().keyRequired();
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    callerKey().ifPresent(b::key);
    return b;
  }

  /**
   * Returns the caller's access key: the content of the file {@code $NEMOSPAWN_KEY_FILE}, else
   * {@code $NEMOSPAWN_API_KEY} (where agents find theirs). Never from the command line.
   *
   * @throws IllegalArgumentException when the key file cannot be read
   */
  public static Optional<String> callerKey() {
    String file = env.apply(Authorizer.KEY_FILE_ENV);
    if (file != null && !file.isBlank()) {
      Path p = Path.of(file);
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        if (perms.contains(PosixFilePermission.GROUP_READ)
            || perms.contains(PosixFilePermission.OTHERS_READ)) {
          throw new IllegalArgumentException("The key file " + p + " (" + Authorizer.KEY_FILE_ENV
              + ") is readable by other users; chmod 600 it");
        }
        String k = Files.readString(p, StandardCharsets.UTF_8).strip();
        if (k.isEmpty()) {
          throw new IllegalArgumentException(
              "The key file " + p + " (" + Authorizer.KEY_FILE_ENV + ") is empty");
        }
        return Optional.of(k);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "Cannot read the key file " + p + " named by " + Authorizer.KEY_FILE_ENV + ": " + e, e);
      }
    }
    String key = env.apply(Authorizer.KEY_ENV);
    return key == null || key.isBlank() ? Optional.empty() : Optional.of(key.strip());
  }

  /** Returns the data directory that {@link #open()} uses. */
  public Path dataDir() {
    return (dataDir == null ? NemoSpawn.defaultDataDir() : dataDir)
        .toAbsolutePath()
        .normalize();
  }
}
