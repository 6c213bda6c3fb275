package io.nemospawn;

import java.util.List;
import org.apiguardian.api.API;

/**
 * Raised when the GPUs asked for are held by other agents or do not exist.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class GpuUnavailableException extends NemoSpawnException {
  private static final long serialVersionUID = 1L;
  private final List<Integer> requested;
  private final List<Integer> free;

  public GpuUnavailableException(List<Integer> requested, List<Integer> free, String message) {
    super(message, null);
    this.requested = List.copyOf(requested);
    this.free = List.copyOf(free);
  }

  /** Returns the GPU indices that were asked for. */
  public List<Integer> requested() {
    return requested;
  }

  /** Returns the GPU indices that were free when the request failed. */
  public List<Integer> free() {
    return free;
  }
}
