package io.nemospawn.core.internal.state;

import io.nemospawn.Subscription;
import io.nemospawn.TeamEvent;
import io.nemospawn.state.DirectoryWatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The event stream of one team. Every change, whether made by this JVM or by another process, is
 * observed the same way: a {@link DirectoryWatcher} on the team directory reports the changed record
 * file, the decoder registered for its sub-directory ({@code tasks}, {@code plans}, {@code
 * agents}, {@code inbox} …) turns it into a {@link TeamEvent}, and listeners get it on the team's
 * event thread. The watcher starts with the first subscription.
 *
 * <p>Thread-safe.
 */
public final class TeamEvents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TeamEvents.class);

  /** Turns a changed record file into an event, or nothing when the change is not one. */
  @FunctionalInterface
  public interface Decoder {
    Optional<TeamEvent> decode(Path file, ObjectNode record);
  }

  private final String teamId;
  private final Path teamDir;
  private final RecordStore store;
  private final Duration pollInterval;
  private final LongSupplier nanoTime;
  private final Map<String, Decoder> decoders = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<TeamEvent>> listeners = new CopyOnWriteArrayList<>();
  private @Nullable DirectoryWatcher watcher;
  private boolean closed;

  public TeamEvents(String teamId, Path teamDir, RecordStore store, Duration pollInterval) {
    this(teamId, teamDir, store, pollInterval, System::nanoTime);
  }

  /** As above, timing the watcher's rescans with {@code nanoTime} (the team's time source). */
  public TeamEvents(
      String teamId,
      Path teamDir,
      RecordStore store,
      Duration pollInterval,
      LongSupplier nanoTime) {
    this.teamId = teamId;
    this.teamDir = teamDir;
    this.store = store;
    this.pollInterval = pollInterval;
    this.nanoTime = nanoTime;
  }

  /** Registers the decoder of a sub-directory's records. */
  public void decoder(String subDirectory, Decoder decoder) {
    decoders.put(subDirectory, decoder);
  }

  /** Adds a listener; starts the watcher if it is not running. */
  public Subscription subscribe(Consumer<TeamEvent> listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("Team " + teamId + " is closed");
      }
      listeners.add(listener);
      if (watcher == null) {
        watcher = DirectoryWatcher.reporting(
            teamDir, this::changed, pollInterval, "nemospawn-" + teamId + "-events-1", nanoTime);
      }
    }
    return () -> listeners.remove(listener);
  }

  private void changed(Path file) {
    Path rel = teamDir.relativize(file);
    if (rel.getNameCount() < 2) {
      return;
    }
    Decoder d = decoders.get(rel.getName(0).toString());
    if (d == null) {
      return;
    }
    Optional<TeamEvent> event;
    try {
      if (isEmptyFile(file)) {
        // A name claimed with an empty file (AtomicFiles.createNew) whose content is still being
        // renamed over it: the rename raises its own change.
        return;
      }
      Optional<ObjectNode> node = store.readIfExists(file);
      if (node.isEmpty()) {
        return;
      }
      event = d.decode(file, node.get());
    } catch (RuntimeException e) {
      log.warn("Ignoring a change to {} that cannot be read: {}", file, e.getMessage());
      return;
    }
    event.ifPresent(this::dispatch);
  }

  private static boolean isEmptyFile(Path file) {
    try {
      return java.nio.file.Files.size(file) == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private void dispatch(TeamEvent e) {
    for (Consumer<TeamEvent> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ex) {
        log.warn("Listener of team {} failed on {}", teamId, e, ex);
      }
    }
  }

  /** Stops the watcher and drops the listeners. Idempotent. */
  @Override
  public void close() {
    DirectoryWatcher w;
    synchronized (this) {
      closed = true;
      w = watcher;
      watcher = null;
    }
    listeners.clear();
    if (w != null) {
      w.close();
    }
  }
}
