package io.nemospawn.spi;

import io.nemospawn.inbox.Message;
import org.apiguardian.api.API;

/**
 * One message transport of one team (the transport SPI): sends envelopes to agent addresses and
 * binds receivers. The envelope is the message record of the on-disk format, as JSON, so every
 * transport carries the same bytes and non-Java peers can speak it.
 *
 * <p>Found through {@link TransportProvider}. Implementations state their delivery guarantee in
 * their javadoc; all pass one contract suite. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface MessageTransport extends AutoCloseable {
  /** Returns which transport this is. */
  TransportKind kind();

  /**
   * Returns whether a message to {@code agentId} can be carried now (for ZeroMQ: the agent has a
   * recorded endpoint of a live process; for shared memory: also on this host, with its ring
   * present). The file transport reaches every agent.
   */
  boolean canReach(String agentId);

  /**
   * Sends one envelope to {@code message.to()}, waiting at most the context's send timeout.
   *
   * @throws io.nemospawn.TransportException when the peer cannot be reached or does not take the
   *     message in time (the ring is full, the high-water mark is reached)
   */
  void send(Message message);

  /**
   * Binds the receiving end for {@code agentId} (recording the endpoint for senders where the
   * transport needs one).
   *
   * @throws io.nemospawn.TransportException when it cannot bind
   * @throws IllegalStateException when a receiver for the agent is bound already in this transport
   */
  TransportReceiver bind(String agentId);

  /** Closes every receiver and connection; idempotent, never blocks longer than a short linger. */
  @Override
  void close();
}
