package io.nemospawn.cluster.ssh;

import java.io.IOException;
import org.apiguardian.api.API;

/**
 * A host key that is unknown (and was not accepted) or that changed since it was recorded. The
 * message names the host, the key offered (SHA-256 fingerprint) and, for a changed key, the one
 * recorded and where.
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class HostKeyException extends IOException {
  private static final long serialVersionUID = 1L;

  private final boolean changed;

  /** Creates one. */
  public HostKeyException(String message, boolean changed) {
    super(message);
    this.changed = changed;
  }

  /** Returns whether the key changed (rather than being unknown). */
  public boolean changed() {
    return changed;
  }
}
