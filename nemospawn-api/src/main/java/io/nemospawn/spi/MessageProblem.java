package io.nemospawn.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.apiguardian.api.API;

/**
 * An inbox file that could not be read as a message: its path and why. Reported beside the
 * messages that could be read, never silently dropped.
 *
 * @param path the file
 * @param reason what is wrong, for example {@code missing key 'msg_id'}
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record MessageProblem(Path path, String reason) {
  /** Validates the parts. */
  public MessageProblem {
    requireNonNull(path, "path");
    requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return path + ": " + reason;
  }
}
