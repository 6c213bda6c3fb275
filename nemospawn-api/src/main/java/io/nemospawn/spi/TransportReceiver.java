package io.nemospawn.spi;

import io.nemospawn.Subscription;
import io.nemospawn.inbox.Message;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.apiguardian.api.API;

/**
 * The receiving end of one agent's address on one transport, bound by {@link
 * MessageTransport#bind}. One receiver per agent and transport at a time; messages from one sender
 * arrive in the order sent.
 *
 * <p>Thread-safe; {@link #close()} wakes every blocked {@link #receive} (which then returns empty).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface TransportReceiver extends AutoCloseable {
  /** Returns the agent this receiver is bound for. */
  String agentId();

  /** Returns the next message if one is waiting, without blocking. */
  Optional<Message> poll();

  /**
   * Waits up to {@code timeout} for the next message.
   *
   * @return the message, or empty on timeout or when the receiver was closed
   * @throws InterruptedException when interrupted while waiting
   */
  Optional<Message> receive(Duration timeout) throws InterruptedException;

  /**
   * Delivers every following message to {@code callback} on a thread of its own; at most one
   * subscription per receiver.
   *
   * @throws IllegalStateException when already subscribed or closed
   */
  Subscription subscribe(Consumer<Message> callback);

  /** Unbinds; idempotent, safe from any thread. */
  @Override
  void close();
}
