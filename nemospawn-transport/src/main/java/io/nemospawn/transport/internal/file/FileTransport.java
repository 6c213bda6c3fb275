package io.nemospawn.transport.internal.file;

import static java.util.Objects.requireNonNull;

import io.nemospawn.inbox.Message;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.transport.internal.BaseReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The file transport: a message is a file in the recipient's inbox directory; a receiver notices
 * new files through a file-system watch (with a polling fallback) and takes each, marking it read.
 *
 * <p>Guarantee: a message is durable (forced, with {@code fsync} durability) before {@link #send}
 * returns; it is delivered exactly once among receivers that take the inbox lock (at least once
 * after a power loss, since marking read is not forced); per sender, in send order; nothing is
 * lost while the receiver is down.
 *
 * <p>Thread-safe.
 */
public final class FileTransport implements MessageTransport {
  private final InboxFiles files;
  private final Set<FileReceiver> receivers = ConcurrentHashMap.newKeySet();

  /** Opens the file transport of the context's team. */
  public FileTransport(TransportContext context) {
    this.files = new InboxFiles(context);
  }

  /** Returns the inbox files underneath. */
  public InboxFiles files() {
    return files;
  }

  @Override
  public TransportKind kind() {
    return TransportKind.FILE;
  }

  @Override
  public boolean canReach(String agentId) {
    files.dir(agentId);
    return true;
  }

  @Override
  public void send(Message message) {
    files.write(message);
  }

  @Override
  public TransportReceiver bind(String agentId) {
    FileReceiver r = new FileReceiver(agentId);
    receivers.add(r);
    return r;
  }

  @Override
  public void close() {
    for (FileReceiver r : receivers) {
      r.close();
    }
  }

  @Override
  public String toString() {
    return "FileTransport[" + files.context().teamDir() + "]";
  }

  private final class FileReceiver extends BaseReceiver {
    private final Path dir;
    private final Deque<String> pending = new ArrayDeque<>();
    private final InboxWatch watch;
    private final Object waiting = new Object();

    FileReceiver(String agentId) {
      super(files.context().teamId(), agentId);
      this.dir = files.dir(requireNonNull(agentId, "agentId"));
      this.watch = new InboxWatch(dir);
    }

    @Override
    public Optional<Message> poll() {
      requireOpen();
      return take();
    }

    private synchronized Optional<Message> take() {
      for (int round = 0; round < 2; round++) {
        if (pending.isEmpty()) {
          pending.addAll(files.names(agentId));
        }
        while (!pending.isEmpty()) {
          String name = pending.pollFirst();
          Optional<Message> m = files.takeFirst(agentId, java.util.List.of(name));
          if (m.isPresent()) {
            return m;
          }
        }
      }
      return Optional.empty();
    }

    @Override
    public Optional<Message> receive(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      // One waiter at a time on the watch; the watch was registered before the first scan.
      synchronized (waiting) {
        while (!closed.get()) {
          Optional<Message> m = take();
          if (m.isPresent()) {
            return m;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0 || !watch.await(Duration.ofNanos(left))) {
            return closed.get() ? Optional.empty() : take();
          }
        }
        return Optional.empty();
      }
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        watch.close();
        receivers.remove(this);
        joinSubscriber();
      }
    }
  }
}
