package io.nemospawn;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A change refused because the {@code auth} setting is on and the caller's key (or lack of one)
 * does not allow it. The message names the caller, its role and the change.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class AccessDeniedException extends NemoSpawnException {
  private static final long serialVersionUID = 1L;

  private final @Nullable Principal principal;

  /** Creates the exception; {@code principal} is null for a caller without a valid key. */
  public AccessDeniedException(String message, @Nullable Principal principal) {
    super(message, null);
    this.principal = principal;
  }

  /** Returns who was refused, or null for a caller without a valid key. */
  public @Nullable Principal principal() {
    return principal;
  }
}
