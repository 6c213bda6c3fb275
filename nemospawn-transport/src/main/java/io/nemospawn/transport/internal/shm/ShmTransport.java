package io.nemospawn.transport.internal.shm;

import static java.util.Objects.requireNonNull;

import io.nemospawn.TransportException;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.state.MessageBinary;
import io.nemospawn.state.MessageJson;
import io.nemospawn.transport.internal.BaseReceiver;
import io.nemospawn.transport.internal.Endpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The same-node shared-memory transport, our stand-in for NIXL: each receiver owns a {@link
 * ShmRing} at {@code /dev/shm/nemospawn-<team>-<agent>} (in {@code java.io.tmpdir} where there is
 * no {@code /dev/shm}), recorded in its endpoint record; senders on the same host map it and
 * append envelopes: binary ({@link MessageBinary}) when the ring's receiver says it reads them
 * ({@link ShmRing#acceptsBinary}), else the message record as one-line UTF-8 JSON, which every
 * receiver reads.
 *
 * <p>Back pressure: a send waits up to the context's send timeout for free space, then fails
 * ("ring full"). Payloads larger than half the ring are refused (they travel as files only).
 *
 * <p>Guarantee (on its own): per sender in order, no loss while the receiver lives; records left
 * in the ring when the receiver crashes are delivered when it is bound again; a sender killed
 * mid-write leaves the ring intact (its half record is never published). Thread-safe.
 */
public final class ShmTransport implements MessageTransport {
  private static final Logger log = LoggerFactory.getLogger(ShmTransport.class);

  /** Default ring size: 8 MiB of data. */
  public static final int DEFAULT_CAPACITY = 8 << 20;

  private final TransportContext context;
  private final Endpoints endpoints;
  private final int capacity;
  /** The mapped rings, by the path their endpoint records give (no Path parsed per send). */
  private final Map<String, ShmRing> rings = new ConcurrentHashMap<>();

  private final Map<String, ShmReceiver> receivers = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Opens the transport with rings of {@code capacity} bytes. */
  public ShmTransport(TransportContext context, int capacity) {
    this.context = requireNonNull(context, "context");
    this.endpoints = new Endpoints(context);
    this.capacity = capacity;
    cleanAbandonedRings();
  }

  /**
   * Deletes the rings of this team whose receiver died without closing them (killed, even by
   * {@code kill -9}): see {@link ShmRing#deleteIfAbandoned}. Runs whenever the transport opens, as
   * the state directory's temp files are cleaned when it opens.
   *
   * @return how many were deleted
   */
  public int cleanAbandonedRings() {
    int deleted = 0;
    Path dir = ringDir();
    try (java.nio.file.DirectoryStream<Path> s =
        Files.newDirectoryStream(dir, "nemospawn-" + context.teamId() + "-*")) {
      for (Path ring : s) {
        if (Files.isRegularFile(ring, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            && ShmRing.deleteIfAbandoned(ring)) {
          log.info("Deleted the shared-memory ring {}: its receiver is gone", ring);
          deleted++;
        }
      }
    } catch (IOException e) {
      log.warn("Cannot look for abandoned rings in {}: {}", dir, e.toString());
    }
    return deleted;
  }

  /** Returns {@code /dev/shm} when it is a writable directory, else {@code java.io.tmpdir}. */
  public static Path ringDir() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /** Returns the ring file of an agent of the context's team. */
  public Path ringPath(String agentId) {
    StateFormat.requireId("agent id", agentId);
    return ringDir().resolve("nemospawn-" + context.teamId() + "-" + agentId);
  }

  @Override
  public TransportKind kind() {
    return TransportKind.SHM;
  }

  @Override
  public boolean canReach(String agentId) {
    Optional<Endpoints.Endpoint> e = endpoints.read(agentId);
    return e.isPresent()
        && !e.get().shmPath().isEmpty()
        && e.get().isLocalAndAlive()
        && Files.exists(Path.of(e.get().shmPath()));
  }

  @Override
  public void send(Message message) {
    if (closed.get()) {
      throw new IllegalStateException("The shared-memory transport of team '" + context.teamId()
          + "' is closed; open a new one");
    }
    String to = message.to();
    Optional<Endpoints.Endpoint> e = endpoints.read(to);
    if (e.isEmpty() || e.get().shmPath().isEmpty() || !e.get().isLocal()) {
      throw new TransportException(
          to,
          "Cannot send message " + message.id() + " to agent '" + to
              + "' over shared memory: it has no ring on this host (see " + endpoints.file(to)
              + "); it receives through its inbox",
          null);
    }
    String shmPath = e.get().shmPath();
    ShmRing ring = rings.get(shmPath);
    if (ring == null || !ring.hasLiveReceiver()) {
      if (ring != null) {
        rings.remove(shmPath, ring);
        ring.close();
      }
      Path path = Path.of(shmPath);
      try {
        ring = ShmRing.openSender(path);
      } catch (IOException ex) {
        throw new TransportException(
            path.toString(),
            "Cannot send message " + message.id()
                + " to agent '" + to + "': cannot map its ring " + path + ": " + ex.getMessage()
                + "; it waits in the inbox",
            ex);
      }
      if (!ring.hasLiveReceiver()) {
        ring.close();
        throw new TransportException(
            path.toString(),
            "Cannot send message " + message.id()
                + " to agent '" + to + "': the ring " + path + " has no live receiver;"
                + " it waits in the inbox",
            null);
      }
      ShmRing raced = rings.putIfAbsent(shmPath, ring);
      if (raced != null) {
        ring.close();
        ring = raced;
      }
    }
    boolean binary = ring.acceptsBinary();
    byte[] wire = binary ? MessageBinary.encode(message) : MessageJson.toWire(message);
    if (wire.length > ring.maxPayload()) {
      throw new TransportException(
          shmPath,
          "Cannot send message " + message.id()
              + " to agent '" + to + "' over shared memory: " + wire.length
              + " bytes exceed the ring's"
              + " limit of " + ring.maxPayload() + " bytes; it waits in the inbox",
          null);
    }
    ShmRing.Offer result;
    try {
      result = ring.offer(
          binary ? ShmRing.KIND_BINARY : ShmRing.KIND_JSON,
          wire,
          System.nanoTime() + context.sendTimeout().toNanos());
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new TransportException(
          shmPath,
          "Interrupted while sending message " + message.id() + " to agent '" + to
              + "'; it waits in the inbox",
          ex);
    }
    if (result != ShmRing.Offer.SENT) {
      String why = switch (result) {
        case FULL ->
          "the ring is full (the receiver is not keeping up) after " + context.sendTimeout();
        case BUSY -> "the ring's send lock stayed held for " + context.sendTimeout();
        default -> "the receiver went away";
      };
      throw new TransportException(
          shmPath,
          "Cannot send message " + message.id() + " to agent '" + to + "' at " + shmPath + ": "
              + why + "; it waits in the inbox",
          null);
    }
    log.trace("Sent {} to {} over shared memory", message.id(), to);
  }

  @Override
  public TransportReceiver bind(String agentId) {
    if (closed.get()) {
      throw new IllegalStateException("The shared-memory transport of team '" + context.teamId()
          + "' is closed; open a new one");
    }
    Path path = ringPath(agentId);
    ShmRing ring;
    try {
      ring = ShmRing.openReceiver(path, capacity);
    } catch (IOException e) {
      throw new TransportException(
          path.toString(),
          "Cannot bind the shared-memory receiver of" + " agent '" + agentId + "' at " + path + ": "
              + e.getMessage(),
          e);
    }
    ShmReceiver r = new ShmReceiver(agentId, ring);
    if (receivers.putIfAbsent(agentId, r) != null) {
      ring.close();
      throw new IllegalStateException(
          "Agent '" + agentId + "' has a shared-memory receiver already");
    }
    endpoints.publish(agentId, TransportKind.SHM, path.toString());
    log.debug("Agent '{}' receives over shared memory at {}", agentId, path);
    return r;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (ShmReceiver r : receivers.values()) {
      r.close();
    }
    for (ShmRing ring : rings.values()) {
      ring.close();
    }
    rings.clear();
  }

  @Override
  public String toString() {
    return "ShmTransport[" + context.teamId() + " dir=" + ringDir() + "]";
  }

  private final class ShmReceiver extends BaseReceiver {
    private final ShmRing ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final ShmRing.Record record = new ShmRing.Record();
    private final MessageBinary.Decoder decoder = new MessageBinary.Decoder();

    ShmReceiver(String agentId, ShmRing ring) {
      super(context.teamId(), agentId);
      this.ring = ring;
    }

    @Override
    public Optional<Message> poll() {
      requireOpen();
      return take();
    }

    private Optional<Message> take() {
      lock.lock();
      try {
        while (!closed.get()) {
          try {
            if (!ring.poll(record)) {
              return Optional.empty();
            }
          } catch (IllegalStateException e) {
            log.warn("{}", e.getMessage());
            continue;
          }
          try {
            return Optional.of(
                record.kind() == ShmRing.KIND_BINARY
                    ? decoder.decode(record.bytes(), record.length())
                    : MessageJson.parse(record.copy(), agentId, null).message());
          } catch (RuntimeException e) {
            log.warn(
                "Dropping a malformed envelope of {} bytes in ring {}: {}",
                record.length(),
                ring.path(),
                e.getMessage());
          }
        }
        return Optional.empty();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public Optional<Message> receive(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      int stage = 0;
      while (!closed.get()) {
        Optional<Message> m = take();
        if (m.isPresent()) {
          return m;
        }
        if (System.nanoTime() >= deadline) {
          return Optional.empty();
        }
        stage = ShmRing.pause(stage, deadline);
      }
      return Optional.empty();
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        receivers.remove(agentId, this);
        endpoints.withdraw(agentId, TransportKind.SHM);
        lock.lock();
        try {
          ring.close();
          Files.deleteIfExists(ring.path());
        } catch (IOException e) {
          log.warn("Cannot remove ring {}: {}", ring.path(), e.toString());
        } finally {
          lock.unlock();
        }
        joinSubscriber();
      }
    }
  }
}
