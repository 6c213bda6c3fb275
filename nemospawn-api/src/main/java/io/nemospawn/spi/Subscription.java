package io.nemospawn.spi;

import org.apiguardian.api.API;

/**
 * A running subscription: a callback invoked on a thread of its own for every message that
 * arrives. Closing it stops the thread; a callback in progress completes first.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Subscription extends AutoCloseable {
  /** Stops delivery; idempotent, safe from any thread (also from the callback). */
  @Override
  void close();
}
