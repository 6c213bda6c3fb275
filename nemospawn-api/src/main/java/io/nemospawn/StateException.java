package io.nemospawn;

import java.nio.file.Path;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Raised when the state directory cannot be read or written: a record that does not parse, a
 * file that cannot be written, a lock that cannot be taken. {@link #path()} names the file.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class StateException extends NemoSpawnException {
  private static final long serialVersionUID = 1L;
  private final transient Path path;

  public StateException(Path path, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.path = Objects.requireNonNull(path, "path");
  }

  public StateException(Path path, String message) {
    this(path, message, null);
  }

  /** Returns the file or directory the failure concerns. */
  public Path path() {
    return path;
  }
}
