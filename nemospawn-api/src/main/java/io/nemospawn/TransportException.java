package io.nemospawn;

import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Raised when a message transport cannot bind, connect, send or receive.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class TransportException extends NemoSpawnException {
  private static final long serialVersionUID = 1L;
  private final String endpoint;

  public TransportException(String endpoint, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
  }

  /** Returns the endpoint (URI, path or agent address) the failure concerns. */
  public String endpoint() {
    return endpoint;
  }
}
