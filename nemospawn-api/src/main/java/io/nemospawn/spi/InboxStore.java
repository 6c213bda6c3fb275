package io.nemospawn.spi;

import io.nemospawn.Listing;
import io.nemospawn.Subscription;
import io.nemospawn.inbox.Message;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.apiguardian.api.API;

/**
 * All message I/O of one team: the durable inbox files of the on-disk format plus the negotiated
 * fast transport (ZeroMQ or shared memory) underneath. The core's inbox resolves names, expands
 * broadcasts and audits; it calls this for everything that touches a message.
 *
 * <p>Every message is first written to {@code inbox/<to>/<stamp>_<msg_id>.json} (exclusive
 * name, atomic, forced per the context's durability) before {@link #send} returns; then, when
 * negotiated, the envelope is pushed over the fast transport. Receivers take from whichever comes
 * first, drop duplicates by {@code msg_id} and mark the file read. A receiver that is down loses
 * nothing: its messages wait in the inbox. Receiving takes an OS lock on {@code inbox/<agent>/.lock}
 * (and an in-JVM lock), so two processes never both deliver one message.
 *
 * <pre>{@code
 * try (InboxStore store = InboxStore.open(TransportContext.of(dataDir, teamId))) {
 *   SendReceipt r = store.send(Message.of(teamId, "leader", "worker-1a2b3c4d", "hi", now));
 *   Listing<Message> batch = store.receive("worker-1a2b3c4d", Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Reading costs O(N) in the number of files in the inbox directory.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface InboxStore extends AutoCloseable {

  /**
   * Opens the store of the context's team, found through {@link InboxStoreProvider}.
   *
   * @throws IllegalStateException when no provider is on the class path or module path
   */
  static InboxStore open(TransportContext context) {
    for (InboxStoreProvider p : ServiceLoader.load(InboxStoreProvider.class)) {
      return p.open(context);
    }
    throw new IllegalStateException(
        "No NemoSpawn transport on the class path or module path; add io.nemospawn:nemospawn-transport.");
  }

  /** Returns the context it was opened with. */
  TransportContext context();

  /**
   * Stores {@code message} in its recipient's inbox and delivers it over the negotiated transport.
   * When the file name is taken, a new message id is drawn.
   *
   * @return the stored message, its file and the transport that carried it
   * @throws io.nemospawn.StateException when the inbox file cannot be written
   */
  SendReceipt send(Message message);

  /** Returns which transport a send to {@code agentId} would use now. */
  TransportKind negotiate(String agentId);

  /** Returns the unread messages of {@code agentId}, oldest first, without marking them. */
  Listing<Message> peek(String agentId);

  /** Returns every message of {@code agentId}, read or not, oldest first. */
  Listing<Message> history(String agentId);

  /** Returns the unread messages of {@code agentId}, oldest first, and marks each read. */
  Listing<Message> receive(String agentId);

  /**
   * Like {@link #receive(String)}, but waits up to {@code timeout} until at least one message
   * (or unreadable file) is there. While waiting, the agent's fast receiver is bound.
   *
   * @return the batch, empty on timeout or when the store was closed
   * @throws InterruptedException when interrupted while waiting
   */
  Listing<Message> receive(String agentId, Duration timeout) throws InterruptedException;

  /**
   * Delivers every message to {@code agentId}, first those waiting, then each as it arrives, to
   * {@code callback} on a thread of its own, marking each read; unreadable files go to {@code
   * onProblem}.
   */
  Subscription subscribe(
      String agentId, Consumer<Message> callback, Consumer<Listing.Problem> onProblem);

  /** Unbinds receivers, closes transports; idempotent, bounded in time. */
  @Override
  void close();
}
