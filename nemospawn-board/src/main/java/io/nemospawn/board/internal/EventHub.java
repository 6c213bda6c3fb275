package io.nemospawn.board.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Fans Server-Sent Events out to the connected clients: one bounded queue per client, filled by
 * {@link #publish} (which never blocks) and drained by that client's own stream thread. A client
 * whose queue is full is dropped: its queue is cleared, it gets one {@code resync} event and its
 * stream ends, so it costs no more memory and never delays the others. Thread-safe.
 */
public final class EventHub {
  static final String RESYNC = "event: resync\ndata: {}\n\n";

  private final int maxClients;
  private final int queueCapacity;
  private final CopyOnWriteArrayList<Client> clients = new CopyOnWriteArrayList<>();
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private volatile boolean closed;

  /** A hub for at most {@code maxClients} clients with {@code queueCapacity} events each. */
  public EventHub(int maxClients, int queueCapacity) {
    this.maxClients = maxClients;
    this.queueCapacity = queueCapacity;
  }

  /** One connected client: its queue and whether it was dropped. */
  public static final class Client {
    private final ArrayBlockingQueue<String> queue;
    private volatile boolean dropped;

    Client(int capacity) {
      this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Waits up to {@code millis} for the next event text; null when none came. */
    public @Nullable String next(long millis) throws InterruptedException {
      return queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Returns the next event text without waiting, or null. */
    public @Nullable String poll() {
      return queue.poll();
    }

    /** Returns whether the hub dropped this client (it should send what is queued and end). */
    public boolean dropped() {
      return dropped;
    }

    /** Returns how many events wait for this client. */
    public int queued() {
      return queue.size();
    }
  }

  /** Registers a client, or returns null when {@code maxClients} are connected or closed. */
  public @Nullable Client register() {
    if (closed) {
      return null;
    }
    while (true) {
      int n = count.get();
      if (n >= maxClients) {
        return null;
      }
      if (count.compareAndSet(n, n + 1)) {
        break;
      }
    }
    Client c = new Client(queueCapacity);
    clients.add(c);
    return c;
  }

  /** Unregisters a client; idempotent. */
  public void remove(Client c) {
    if (clients.remove(c)) {
      count.decrementAndGet();
    }
  }

  /**
   * Queues one event for every client; never blocks. {@code data} must be one line (JSON is).
   */
  public void publish(String event, String data) {
    publishRaw("event: " + event + "\ndata: " + data + "\n\n");
  }

  /** Queues a resync event for every client: they should read the whole board again. */
  public void resync() {
    publishRaw(RESYNC);
  }

  private void publishRaw(String text) {
    published.incrementAndGet();
    for (Client c : clients) {
      if (c.dropped) {
        continue;
      }
      if (!c.queue.offer(text)) {
        drop(c);
      }
    }
  }

  private void drop(Client c) {
    c.dropped = true;
    c.queue.clear();
    c.queue.offer(RESYNC);
    dropped.incrementAndGet();
    remove(c);
  }

  /** Returns the connected clients. */
  public int clients() {
    return count.get();
  }

  /** Returns how many clients were dropped for falling behind. */
  public long droppedClients() {
    return dropped.get();
  }

  /** Returns how many events were published. */
  public long published() {
    return published.get();
  }

  /** Returns the events queued for all clients together (at most clients × queue capacity). */
  public long queuedEvents() {
    long n = 0;
    for (Client c : clients) {
      n += c.queue.size();
    }
    return n;
  }

  /** Refuses new clients and drops the connected ones (their streams end). */
  public void close() {
    closed = true;
    for (Client c : clients) {
      drop(c);
    }
  }
}
