package io.nemospawn.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.node.ObjectNode;

/**
 * The numbered events of a server: every published event gets the next sequence number (one
 * sequence for all protocols) and is kept in memory, the newest {@code retention} of them, for
 * replay to clients that reconnect with {@code since}. Publishing never blocks on a client: it
 * offers the encoded line to each subscriber's bounded queue.
 */
final class EventLog {
  /** One retained event. */
  record Entry(long seq, String protocol, byte[] line) {}

  private final int retention;
  private final ArrayDeque<Entry> kept = new ArrayDeque<>();
  private final List<Connection> subscribers = new CopyOnWriteArrayList<>();
  private long lastSeq;

  EventLog(int retention) {
    if (retention < 1) {
      throw new IllegalArgumentException("event retention must be >= 1, was " + retention);
    }
    this.retention = retention;
  }

  /** Numbers, keeps and fans out one event; returns its sequence number. */
  synchronized long publish(String protocol, String event, ObjectNode data) {
    long seq = ++lastSeq;
    byte[] line = Connection.encode(Wire.event(protocol, event, data, seq));
    kept.addLast(new Entry(seq, protocol, line));
    while (kept.size() > retention) {
      kept.removeFirst();
    }
    for (Connection c : subscribers) {
      if (c.subscribedTo(protocol)) {
        c.offerEvent(seq, line);
      }
    }
    return seq;
  }

  /**
   * Adds a subscriber and queues, atomically with respect to publishing, what it missed after
   * {@code since}; returns the oldest retained sequence number when some of what it asked for
   * is no longer kept (so the caller can tell it), else -1.
   */
  synchronized long subscribe(Connection c, long since) {
    return subscribe(c, since, () -> {});
  }

  /** As {@link #subscribe(Connection, long)}, running {@code first} (under the lock) before the replay. */
  synchronized long subscribe(Connection c, long since, Runnable first) {
    first.run();
    long gapFrom = -1;
    if (since >= 0) {
      long oldest = kept.isEmpty() ? lastSeq + 1 : kept.peekFirst().seq();
      if (since + 1 < oldest && since < lastSeq) {
        gapFrom = oldest;
      }
      List<Entry> replay = new ArrayList<>();
      for (Entry e : kept) {
        if (e.seq() > since && c.subscribedTo(e.protocol())) {
          replay.add(e);
        }
      }
      for (Entry e : replay) {
        c.offerEvent(e.seq(), e.line());
      }
    }
    if (!subscribers.contains(c)) {
      subscribers.add(c);
    }
    return gapFrom;
  }

  void unsubscribe(Connection c) {
    subscribers.remove(c);
  }

  synchronized long lastSeq() {
    return lastSeq;
  }

  synchronized long oldestSeq() {
    return kept.isEmpty() ? lastSeq + 1 : kept.peekFirst().seq();
  }

  int retention() {
    return retention;
  }

  /** Runs {@code r} under the publishing lock (used to clear a client's overflow mark). */
  synchronized void locked(Runnable r) {
    r.run();
  }
}
