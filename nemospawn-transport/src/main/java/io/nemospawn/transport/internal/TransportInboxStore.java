package io.nemospawn.transport.internal;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Listing;
import io.nemospawn.Subscription;
import io.nemospawn.Transport;
import io.nemospawn.TransportException;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.TimeSource;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportProvider;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.state.DirectoryWatcher;
import io.nemospawn.transport.internal.file.InboxFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InboxStore}: durable inbox files first, then the negotiated fast transport.
 *
 * <p>Send: the message file is written (exclusive, atomic, forced per durability) before anything
 * else, then the envelope is pushed over shared memory or ZeroMQ when negotiated; if that push
 * fails, the message simply waits in the inbox and the receipt says {@code file}.
 *
 * <p>Receive: while an agent waits ({@link #receive(String, Duration)} or {@link #subscribe}), a
 * listener binds its fast receivers (publishing its endpoint) and watches its inbox directory.
 * Envelopes from the fast path are claimed by name (marked read; dropped when already read, which
 * is the dedupe by {@code msg_id}); a directory scan under the inbox lock picks up everything
 * else. Results are merged oldest first.
 *
 * <p>Thread-safe.
 */
public final class TransportInboxStore implements InboxStore {
  private static final Logger log = LoggerFactory.getLogger(TransportInboxStore.class);

  private final TransportContext context;
  private final InboxFiles files;
  private final Map<TransportKind, MessageTransport> fast = new EnumMap<>(TransportKind.class);
  private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Opens the store; fast transports open as the configured choice allows and the host offers. */
  public TransportInboxStore(TransportContext context) {
    this.context = requireNonNull(context, "context");
    this.files = new InboxFiles(context);
    for (TransportKind k : allowed(context.transport())) {
      for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
        if (p.kind() == k && !fast.containsKey(k)) {
          if (p.isAvailable()) {
            fast.put(k, p.open(context));
          } else {
            log.debug("Transport {} is not available on this host; not using it", k.configName());
          }
        }
      }
    }
    log.debug(
        "Opened inbox store of team {} with transport {} (fast: {})",
        context.teamId(),
        context.transport().configName(),
        fast.keySet());
  }

  /** Returns the fast transports the configured choice allows, most preferred first. */
  static List<TransportKind> allowed(Transport t) {
    if (t instanceof Transport.Auto) {
      return List.of(TransportKind.SHM, TransportKind.ZMQ);
    }
    if (t instanceof Transport.SharedMemory) {
      return List.of(TransportKind.SHM);
    }
    if (t instanceof Transport.Zmq) {
      return List.of(TransportKind.ZMQ);
    }
    return List.of();
  }

  @Override
  public TransportContext context() {
    return context;
  }

  @Override
  public SendReceipt send(Message message) {
    requireOpen();
    InboxFiles.Stored stored = files.write(message);
    TransportKind kind = negotiate(stored.message().to());
    MessageTransport via = fast.get(kind); // null for FILE: negotiate names only open ones
    if (via != null) {
      try {
        via.send(stored.message());
      } catch (TransportException e) {
        log.debug(
            "Fast send of {} to {} over {} failed ({}); it waits in the inbox",
            stored.message().id(),
            stored.message().to(),
            kind.configName(),
            e.getMessage());
        kind = TransportKind.FILE;
      }
    }
    log.debug(
        "Sent message {} from {} to {} over {}",
        stored.message().id(),
        stored.message().from(),
        stored.message().to(),
        kind.configName());
    return new SendReceipt(stored.message(), stored.file(), kind);
  }

  @Override
  public TransportKind negotiate(String agentId) {
    files.dir(agentId);
    MessageTransport shm = fast.get(TransportKind.SHM);
    if (shm != null && shm.canReach(agentId)) {
      return TransportKind.SHM;
    }
    MessageTransport zmq = fast.get(TransportKind.ZMQ);
    if (zmq != null && zmq.canReach(agentId)) {
      return TransportKind.ZMQ;
    }
    return TransportKind.FILE;
  }

  @Override
  public Listing<Message> peek(String agentId) {
    return files.peek(agentId);
  }

  @Override
  public Listing<Message> history(String agentId) {
    return files.history(agentId);
  }

  @Override
  public Listing<Message> receive(String agentId) {
    return receive(agentId, Integer.MAX_VALUE);
  }

  /**
   * Same as {@link #receive(String)}, taking at most {@code limit} messages; the others stay
   * unread. The file transport's receivers take one message at a time through this.
   *
   * @throws IllegalArgumentException when {@code limit} is not positive
   */
  public Listing<Message> receive(String agentId, int limit) {
    requireOpen();
    Listener l = listeners.get(agentId);
    return l == null ? files.receive(agentId, limit) : receiveNow(agentId, l, limit);
  }

  @Override
  public Listing<Message> receive(String agentId, Duration timeout) throws InterruptedException {
    return receive(agentId, Integer.MAX_VALUE, timeout);
  }

  /**
   * Same as {@link #receive(String, Duration)}, taking at most {@code limit} messages; the others
   * stay unread. Returns early, possibly without messages, when a new unreadable file turns up.
   *
   * @throws IllegalArgumentException when {@code limit} is not positive
   */
  public Listing<Message> receive(String agentId, int limit, Duration timeout)
      throws InterruptedException {
    requireOpen();
    requireNonNull(timeout, "timeout");
    Listener l = listener(agentId);
    TimeSource time = context.time();
    long deadline = time.nanoTime() + timeout.toNanos();
    while (!closed.get()) {
      long version = l.version();
      Listing<Message> batch = receiveNow(agentId, l, limit);
      if (!batch.items().isEmpty() || l.hasNewProblems(batch)) {
        return batch;
      }
      long left = deadline - time.nanoTime();
      if (left <= 0 || !l.awaitChange(version, left)) {
        return closed.get() ? Listing.empty() : receiveNow(agentId, l, limit);
      }
    }
    return Listing.empty();
  }

  @Override
  public Subscription subscribe(
      String agentId, Consumer<Message> callback, Consumer<Listing.Problem> onProblem) {
    requireOpen();
    requireNonNull(callback, "callback");
    requireNonNull(onProblem, "onProblem");
    listener(agentId);
    AtomicBoolean stop = new AtomicBoolean();
    Set<Path> reported = ConcurrentHashMap.newKeySet();
    Thread t = new Thread(
        () -> {
          while (!stop.get() && !closed.get()) {
            Listing<Message> b;
            try {
              b = receive(agentId, Duration.ofSeconds(1));
            } catch (InterruptedException e) {
              return;
            } catch (RuntimeException e) {
              if (stop.get() || closed.get()) {
                return;
              }
              log.warn("Receiving for agent '{}' failed; retrying", agentId, e);
              continue;
            }
            for (Message m : b.items()) {
              try {
                callback.accept(m);
              } catch (RuntimeException e) {
                log.warn("Subscriber of agent '{}' threw on message {}", agentId, m.id(), e);
              }
            }
            for (Listing.Problem p : b.problems()) {
              if (reported.add(p.path())) {
                onProblem.accept(p);
              }
            }
          }
        },
        "nemospawn-" + context.teamId() + "-inbox-" + agentId);
    t.setDaemon(true);
    t.start();
    return () -> {
      stop.set(true);
      if (Thread.currentThread() != t) {
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  private Listing<Message> receiveNow(String agentId, Listener l, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("Cannot receive " + limit + " messages for agent '"
          + agentId + "': the limit must be 1" + " or more");
    }
    List<Message> out = new ArrayList<>();
    Message m;
    while (out.size() < limit && (m = l.queue.poll()) != null) {
      if (!m.teamId().equals(context.teamId()) || !m.to().equals(agentId)) {
        log.warn(
            "Dropping envelope {} for {}/{} that arrived at {}/{}",
            m.id(),
            m.teamId(),
            m.to(),
            context.teamId(),
            agentId);
        continue;
      }
      if (files.claim(m) == InboxFiles.Claim.DELIVER) {
        out.add(m.withRead(true));
      } else {
        log.trace("Dropped duplicate {} for {}", m.id(), agentId);
      }
    }
    if (out.size() >= limit) {
      return new Listing<>(out, List.of());
    }
    Listing<Message> scanned = files.receive(agentId, limit - out.size());
    if (out.isEmpty()) {
      return scanned;
    }
    out.addAll(scanned.items());
    out.sort(Comparator.comparing(Message::fileName));
    return new Listing<>(out, scanned.problems());
  }

  private Listener listener(String agentId) {
    files.dir(agentId);
    return listeners.computeIfAbsent(agentId, Listener::new);
  }

  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException(
          "The inbox store of team '" + context.teamId() + "' is closed; open a new one");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = null;
    for (Listener l : listeners.values()) {
      try {
        l.close();
      } catch (RuntimeException e) {
        failure = addFailure(failure, e);
      }
    }
    for (MessageTransport t : fast.values()) {
      try {
        t.close();
      } catch (RuntimeException e) {
        failure = addFailure(failure, e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Returns the first failure of a close-all, with {@code next} added to it as suppressed; {@code
   * next} itself when there was none. Transport cannot use core's {@code Failures}.
   */
  public static RuntimeException addFailure(
      @Nullable RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  @Override
  public String toString() {
    return "InboxStore[" + context.teamId() + " " + context.transport().configName() + " fast="
        + fast.keySet() + (closed.get() ? " closed" : "") + "]";
  }

  /**
   * Everything that wakes a waiting receiver of one agent: the fast receivers' pump threads and
   * the inbox watch thread, all bumping one version counter.
   */
  private final class Listener implements AutoCloseable {
    final String agentId;
    final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<TransportReceiver> receivers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Set<Path> seenProblems = ConcurrentHashMap.newKeySet();
    private final DirectoryWatcher watch;
    private volatile boolean stopped;
    private long version;

    Listener(String agentId) {
      this.agentId = agentId;
      this.watch = DirectoryWatcher.waiting(files.dir(agentId), DirectoryWatcher.POLL_INTERVAL);
      for (MessageTransport t : fast.values()) {
        try {
          TransportReceiver r = t.bind(agentId);
          receivers.add(r);
          start("pump-" + t.kind().configName(), () -> pump(r));
        } catch (TransportException e) {
          log.warn(
              "Cannot bind {} receiver of agent '{}' ({}); it receives through files",
              t.kind().configName(),
              agentId,
              e.getMessage());
        }
      }
      start("watch", this::watchLoop);
    }

    private void start(String purpose, Runnable body) {
      Thread t = new Thread(body, "nemospawn-" + context.teamId() + "-" + purpose + "-" + agentId);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }

    private void pump(TransportReceiver r) {
      while (!stopped) {
        try {
          r.receive(Duration.ofMillis(500)).ifPresent(m -> {
            queue.add(m);
            signal();
          });
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          if (stopped) {
            return;
          }
          log.warn("Fast receiver of agent '{}' failed; carrying on", agentId, e);
        }
      }
    }

    private void watchLoop() {
      while (!stopped) {
        try {
          if (watch.await(Duration.ofSeconds(1))) {
            signal();
          }
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void signal() {
      lock.lock();
      try {
        version++;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    long version() {
      lock.lock();
      try {
        return version;
      } finally {
        lock.unlock();
      }
    }

    boolean awaitChange(long seen, long nanos) throws InterruptedException {
      lock.lock();
      try {
        long left = nanos;
        while (version == seen && !stopped && left > 0) {
          left = context.time().awaitNanos(lock, changed, left);
        }
        return version != seen;
      } finally {
        lock.unlock();
      }
    }

    boolean hasNewProblems(Listing<Message> batch) {
      boolean fresh = false;
      for (Listing.Problem p : batch.problems()) {
        fresh |= seenProblems.add(p.path());
      }
      return fresh;
    }

    @Override
    public void close() {
      stopped = true;
      watch.close();
      signal();
      for (TransportReceiver r : receivers) {
        r.close();
      }
      for (Thread t : threads) {
        try {
          t.join(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
