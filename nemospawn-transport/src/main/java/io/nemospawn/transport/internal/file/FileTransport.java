package io.nemospawn.transport.internal.file;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Listing;
import io.nemospawn.Transport;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.transport.internal.BaseReceiver;
import io.nemospawn.transport.internal.TransportInboxStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file transport: the production inbox path ({@link TransportInboxStore} with {@link
 * Transport#file()}, the store every team's inbox uses) seen as a {@link MessageTransport}, one
 * message at a time. A message is a file in the recipient's inbox directory; a receiver notices
 * new files through the store's directory watcher (notification plus polling) and takes each,
 * marking it read. There is no other file path: what the transport contract suite checks here is
 * what teams run.
 *
 * <p>Guarantee: a message is durable (forced, with {@code fsync} durability) before {@link #send}
 * returns; it is delivered exactly once among receivers that take the inbox lock (at least once
 * after a power loss, since marking read is not forced); per sender, in send order; nothing is
 * lost while the receiver is down.
 *
 * <p>Thread-safe.
 */
public final class FileTransport implements MessageTransport {
  private static final Logger log = LoggerFactory.getLogger(FileTransport.class);

  private final TransportContext context;
  private final TransportInboxStore store;
  private final Set<FileReceiver> receivers = ConcurrentHashMap.newKeySet();

  /** Opens the file transport of the context's team (the context's transport choice is ignored). */
  public FileTransport(TransportContext context) {
    this.context = requireNonNull(context, "context").withTransport(Transport.file());
    this.store = new TransportInboxStore(this.context);
  }

  @Override
  public TransportKind kind() {
    return TransportKind.FILE;
  }

  @Override
  public boolean canReach(String agentId) {
    return store.negotiate(agentId) == TransportKind.FILE;
  }

  @Override
  public void send(Message message) {
    store.send(message);
  }

  @Override
  public TransportReceiver bind(String agentId) {
    FileReceiver r = new FileReceiver(agentId);
    receivers.add(r);
    return r;
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    for (FileReceiver r : receivers) {
      try {
        r.close();
      } catch (RuntimeException e) {
        failure = TransportInboxStore.addFailure(failure, e);
      }
    }
    try {
      store.close();
    } catch (RuntimeException e) {
      failure = TransportInboxStore.addFailure(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "FileTransport[" + context.teamDir() + "]";
  }

  /**
   * A receiver with its own inbox store, so that closing it stops its watcher and wakes its
   * waiting thread without touching other receivers.
   */
  private final class FileReceiver extends BaseReceiver {
    private final TransportInboxStore inbox;
    private final Set<Path> reported = ConcurrentHashMap.newKeySet();

    FileReceiver(String agentId) {
      super(context.teamId(), requireNonNull(agentId, "agentId"));
      context.inboxDir(agentId);
      this.inbox = new TransportInboxStore(context);
    }

    @Override
    public Optional<Message> poll() {
      requireOpen();
      return first(inbox.receive(agentId, 1));
    }

    @Override
    public Optional<Message> receive(Duration timeout) throws InterruptedException {
      requireNonNull(timeout, "timeout");
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!closed.get()) {
        Listing<Message> b;
        try {
          b = inbox.receive(
              agentId, 1, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (IllegalStateException e) {
          if (closed.get()) {
            return Optional.empty();
          }
          throw e;
        }
        for (Listing.Problem p : b.problems()) {
          if (reported.add(p.path())) {
            log.warn(
                "Cannot read message file {}: {}; it stays in the inbox", p.path(), p.reason());
          }
        }
        // A batch may hold only a newly found unreadable file; keep waiting for a message.
        if (!b.items().isEmpty() || System.nanoTime() - deadline >= 0) {
          return first(b);
        }
      }
      return Optional.empty();
    }

    private static Optional<Message> first(Listing<Message> b) {
      return b.items().isEmpty() ? Optional.empty() : Optional.of(b.items().get(0));
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        inbox.close();
        receivers.remove(this);
        joinSubscriber();
      }
    }
  }
}
