package io.nemospawn.inbox;

import io.nemospawn.Listing;
import io.nemospawn.spi.TransportKind;
import java.time.Duration;
import java.util.List;
import org.apiguardian.api.API;

/**
 * A team's messaging: direct sends, broadcasts, and each agent's inbox. Agents are named by id or
 * by unique name. Every message is stored durably in the recipient's inbox directory before
 * {@code send} returns; faster transports only speed up delivery.
 *
 * <p>Thread-safe; safe across processes: two receivers of one inbox never both get the same
 * message as new.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Inbox {
  /**
   * Sends a message to one agent.
   *
   * @param from the sender: an agent id or name, or a free label such as {@code leader}
   * @param to the recipient: an agent id or unique name
   * @throws java.util.NoSuchElementException naming the team's agents when {@code to} is unknown
   */
  Delivery send(String from, String to, String body);

  /**
   * Sends one copy to every agent of the team except the sender.
   *
   * @return one delivery per recipient
   */
  List<Delivery> broadcast(String from, String body);

  /** Returns the agent's unread messages, oldest first, and marks them read. */
  List<Message> receive(String agent);

  /**
   * Waits until the agent has at least one unread message or the timeout passes, then receives
   * as {@link #receive(String)} does. Driven by events, not a sleep loop.
   *
   * @return the messages; empty when the timeout passed
   */
  List<Message> receive(String agent, Duration timeout) throws InterruptedException;

  /** Returns the agent's unread messages, oldest first, without marking them read. */
  List<Message> peek(String agent);

  /** Returns every message of the agent's inbox, read or not, plus unreadable files. */
  Listing<Message> history(String agent);

  /**
   * One sent message and the transport that carried it.
   *
   * @param message the stored message
   * @param kind the transport chosen for this pair
   */
  record Delivery(Message message, TransportKind kind) {
    /** Checks. */
    public Delivery {
      java.util.Objects.requireNonNull(message, "message");
      java.util.Objects.requireNonNull(kind, "kind");
    }

    /**
     * Returns the transport's name: {@code file}, {@code zmq} or {@code shm}.
     *
     * @deprecated use {@link #kind()}; {@code kind().configName()} is this name
     */
    @Deprecated(since = "0.1")
    public String transport() {
      return kind.configName();
    }
  }
}
