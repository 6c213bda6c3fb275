package io.nemospawn;

/**
 * A registered listener; closing it unregisters the listener. Idempotent, thread-safe.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
