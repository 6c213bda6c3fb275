package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.state.Authorizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
    return builder().open();
  }

  /** Opens the data directory with {@code user} recorded in its audit entries; the caller closes it. */
  public NemoSpawn open(String user) {
    return builder().user(user).open();
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
