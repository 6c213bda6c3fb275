package io.nemospawn;

import org.apiguardian.api.API;

/**
 * A registered listener; closing it unregisters the listener. Idempotent, thread-safe.
 *
 * @since 0.1
 */
@FunctionalInterface
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
