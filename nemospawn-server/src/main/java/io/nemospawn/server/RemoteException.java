package io.nemospawn.server;

import org.apiguardian.api.API;

/**
 * A {@code nemospawn.v1} command the server refused or could not run, with the server's reason.
 * Refusals the library would have thrown as {@link java.util.NoSuchElementException}, {@link
 * IllegalArgumentException}, {@link IllegalStateException} or {@link
 * UnsupportedOperationException} are thrown as those instead.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class RemoteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  /**
   * A failure.
   *
   * @param code the rejection's code (e.g. {@code failed}, {@code unknown_command})
   * @param message the server's reason
   */
  public RemoteException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** The rejection's code. */
  public String code() {
    return code;
  }
}
