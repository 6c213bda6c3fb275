package io.nemospawn.transport.internal;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Subscription;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.TransportReceiver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every receiver shares: the closed flag and {@link #subscribe}, a daemon thread that calls
 * {@link #receive} in slices and hands each message to the callback.
 */
public abstract class BaseReceiver implements TransportReceiver {
  private static final Logger log = LoggerFactory.getLogger(BaseReceiver.class);
  private static final Duration SLICE = Duration.ofMillis(500);

  protected final String teamId;
  protected final String agentId;
  protected final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<Thread> subscriber = new AtomicReference<>();

  protected BaseReceiver(String teamId, String agentId) {
    this.teamId = requireNonNull(teamId, "teamId");
    this.agentId = requireNonNull(agentId, "agentId");
  }

  @Override
  public final String agentId() {
    return agentId;
  }

  /** Throws when closed. */
  protected final void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException(
          "The receiver of agent '" + agentId + "' is closed; bind a new one");
    }
  }

  @Override
  public Subscription subscribe(Consumer<Message> callback) {
    requireNonNull(callback, "callback");
    requireOpen();
    AtomicBoolean stop = new AtomicBoolean();
    Thread t = new Thread(
        () -> {
          while (!stop.get() && !closed.get()) {
            Optional<Message> m;
            try {
              m = receive(SLICE);
            } catch (InterruptedException e) {
              return;
            } catch (RuntimeException e) {
              if (closed.get() || stop.get()) {
                return;
              }
              log.warn("Receiving for agent '{}' failed; retrying", agentId, e);
              continue;
            }
            if (m.isPresent() && !stop.get()) {
              try {
                callback.accept(m.get());
              } catch (RuntimeException e) {
                log.warn(
                    "Subscriber of agent '{}' threw on message {}",
                    agentId,
                    m.get().id(),
                    e);
              }
            }
          }
        },
        "nemospawn-" + teamId + "-subscribe-" + agentId);
    t.setDaemon(true);
    if (!subscriber.compareAndSet(null, t)) {
      throw new IllegalStateException("Agent '" + agentId + "' has a subscription already");
    }
    t.start();
    return () -> {
      stop.set(true);
      subscriber.compareAndSet(t, null);
      if (Thread.currentThread() != t) {
        try {
          t.join(SLICE.toMillis() * 4);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  /** Waits for the subscriber thread, if any, after {@link #closed} was set. */
  protected final void joinSubscriber() {
    Thread t = subscriber.getAndSet(null);
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(SLICE.toMillis() * 4);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
