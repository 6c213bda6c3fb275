package io.nemospawn.transport.internal.shm;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A memory-mapped ring buffer of variable-length records: many senders (threads and processes),
 * one receiver. Layout (little-endian, all offsets in bytes):
 *
 * <pre>
 *   0  int   magic 0x4E53524E ("NSRN")       4  int  version 1
 *   8  long  capacity C of the data area (a multiple of 8)
 *  16  long  receiver pid (0: no receiver)
 *  24  long  binary pid: equal to the receiver pid when that receiver reads binary records
 *  64  long  tail: logical end of committed records (senders, under the send lock)
 * 128  long  head: logical start of unread records (receiver only)
 * 192  long  send lock: 0 free, else the pid of the holding sender
 * 256  data area of C bytes; logical position p lives at 256 + p mod C
 * </pre>
 *
 * A record starts at an 8-aligned logical position: an 8-byte header {@code kind << 32 | length}
 * (kind 1: message as JSON, 2: padding to the end of the data area, so no record wraps, 3:
 * message as a {@link io.nemospawn.state.MessageBinary}), then {@code length}
 * payload bytes, padded to 8. Senders write kind 3 only when the binary pid word equals the
 * receiver pid: a receiver of this version sets both when it binds; a receiver that does not know
 * the word (version 1.0 of this layout, another language) leaves it stale, and gets kind 1. A
 * receiver skips a record of a kind it does not know.
 *
 * <p>Sending: take the send lock (in-JVM lock, then CAS of the lock word from 0 to the pid); if
 * {@code tail + size - head > C}, release and wait (back pressure, bounded by the caller's
 * deadline); write payload, then the header with release semantics, then publish {@code tail}
 * with release semantics; release the lock. A sender that dies mid-write never advanced {@code
 * tail}, so its half record is invisible and the next sender overwrites it; a lock held by a dead
 * pid is taken over (compare-and-set from that pid). Receiving needs no lock: read {@code tail}
 * with acquire semantics, consume records up to it, publish {@code head} with release semantics.
 * The single receiver is enforced with an OS lock on the ring file's first byte.
 *
 * <p>Senders are serialised by the lock for a memcpy's time ("nearly lock-free"); the receiver is
 * wait-free. Thread-safe for senders; one receiving thread.
 */
public final class ShmRing implements AutoCloseable {
  static final int MAGIC = 0x4E53524E;
  static final int VERSION = 1;
  static final int HEADER = 256;
  static final int OFF_MAGIC = 0;
  static final int OFF_VERSION = 4;
  static final int OFF_CAPACITY = 8;
  static final int OFF_PID = 16;
  static final int OFF_BINARY_PID = 24;
  static final int OFF_TAIL = 64;
  static final int OFF_HEAD = 128;
  static final int OFF_LOCK = 192;
  /** Record kind: a message as one-line UTF-8 JSON. */
  public static final int KIND_JSON = 1;

  static final int KIND_PAD = 2;

  /** Record kind: a message as a binary envelope. */
  public static final int KIND_BINARY = 3;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long PID = ProcessHandle.current().pid();

  /** The rings whose receiver is in this JVM; {@link #deleteIfAbandoned} leaves them alone. */
  private static final Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  static final long LIVENESS_TTL_NANOS = 100_000_000L;

  private final Path path;
  private final FileChannel channel;
  private final MappedByteBuffer buf;
  private final long capacity;
  private final ReentrantLock jvmSendLock = new ReentrantLock();
  private final @Nullable FileLock receiverLock;
  // The last receiver pid found alive, and when (written in either order: a torn pair only
  // costs one more check).
  private volatile long livePid;
  private volatile long liveCheckedNanos;

  private ShmRing(
      Path path, FileChannel channel, MappedByteBuffer buf, @Nullable FileLock receiverLock) {
    this.path = path;
    this.channel = channel;
    this.buf = buf;
    this.capacity = (long) LONGS.getAcquire(buf, OFF_CAPACITY);
    this.receiverLock = receiverLock;
  }

  /**
   * Creates (or reopens, keeping unread records) the ring of a receiver and takes the receiver
   * lock.
   *
   * @throws IOException when it cannot, or another process is the receiver
   */
  public static ShmRing openReceiver(Path path, int capacity) throws IOException {
    if (capacity % 8 != 0 || capacity < 4096) {
      throw new IllegalArgumentException(
          "Invalid ring capacity " + capacity + ": use a multiple of 8 of at least 4096 bytes");
    }
    // Another process may delete an abandoned ring (deleteIfAbandoned) between our open and our
    // lock: then the file we locked is no longer the one at the path, and we open again.
    // Likewise, a process deciding whether the ring is abandoned holds its lock for a moment.
    for (int attempt = 0; ; attempt++) {
      ShmRing ring = openReceiverOnce(path, capacity, attempt >= 200);
      if (ring != null) {
        HELD.add(key(path));
        return ring;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static Path key(Path path) {
    return path.toAbsolutePath().normalize();
  }

  private static boolean isAlive(long pid) {
    return pid == PID
        || (pid != 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  private static @Nullable Object inode(Path path) {
    try {
      return Files.getAttribute(path, "unix:ino");
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** Returns null when the caller should try again: see {@link #openReceiver}. */
  private static @Nullable ShmRing openReceiverOnce(Path path, int capacity, boolean last)
      throws IOException {
    Object before = inode(path);
    FileChannel ch = FileChannel.open(
        path,
        EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      FileLock lock;
      try {
        lock = ch.tryLock(0, 1, false);
      } catch (java.nio.channels.OverlappingFileLockException e) {
        throw new IOException(path + " has a live receiver in this process", e);
      }
      if (lock == null) {
        if (!last && ch.size() >= HEADER) {
          MappedByteBuffer probe = ch.map(FileChannel.MapMode.READ_ONLY, 0, HEADER);
          if (!isAlive((long) LONGS.getAcquire(probe, OFF_PID))) {
            ch.close();
            return null; // Its receiver is gone: a sweeper holds the lock for a moment.
          }
        }
        throw new IOException(path + " has a live receiver in another process");
      }
      Object after = inode(path);
      if (after == null || (before != null && !before.equals(after))) {
        if (last) {
          throw new IOException(path + " keeps being replaced while the receiver opens it");
        }
        ch.close();
        return null;
      }
      // Messages are private to the team's user: the ring is 0600 whatever the umask, and a ring
      // created by an older version with a wider mode is tightened.
      Files.setPosixFilePermissions(path, OWNER_ONLY);
      boolean fresh = ch.size() < HEADER;
      if (!fresh) {
        MappedByteBuffer probe = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER);
        int magic = (int) INTS.getAcquire(probe, OFF_MAGIC);
        long cap = (long) LONGS.getAcquire(probe, OFF_CAPACITY);
        fresh = magic != MAGIC || cap <= 0 || ch.size() != HEADER + cap;
      }
      if (fresh) {
        ch.truncate(0);
        MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER + (long) capacity);
        LONGS.setRelease(b, OFF_CAPACITY, (long) capacity);
        LONGS.setRelease(b, OFF_TAIL, 0L);
        LONGS.setRelease(b, OFF_HEAD, 0L);
        LONGS.setRelease(b, OFF_LOCK, 0L);
        INTS.setRelease(b, OFF_VERSION, VERSION);
        INTS.setRelease(b, OFF_MAGIC, MAGIC);
      }
      MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
      // The binary pid first: a sender that sees our pid sees that we read binary records.
      LONGS.setRelease(b, OFF_BINARY_PID, PID);
      LONGS.setRelease(b, OFF_PID, PID);
      return new ShmRing(path, ch, b, lock);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Deletes {@code path} when it is a ring whose receiver is gone: no process holds its receiver
   * lock (the OS drops the lock of a process that dies, even by {@code kill -9}) and the pid it
   * records is set (a receiver that closes clears it, then deletes the ring itself) but not alive.
   * The unread records it held are also in the inbox files.
   *
   * @return whether it was deleted
   */
  public static boolean deleteIfAbandoned(Path path) {
    if (HELD.contains(key(path))) {
      // Not even opened: closing a channel drops every POSIX lock this process holds on the file,
      // the live receiver's included.
      return false;
    }
    Object before = inode(path);
    if (before == null) {
      return false;
    }
    try (FileChannel ch =
        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock;
      try {
        lock = ch.tryLock(0, 1, false);
      } catch (java.nio.channels.OverlappingFileLockException e) {
        return false; // A receiver of this JVM holds it.
      }
      if (lock == null) {
        return false;
      }
      try {
        if (ch.size() < HEADER) {
          return false; // Being created by a receiver that has not locked it yet.
        }
        MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, HEADER);
        if ((int) INTS.getAcquire(b, OFF_MAGIC) != MAGIC) {
          return false; // Not a ring of ours.
        }
        long pid = (long) LONGS.getAcquire(b, OFF_PID);
        // pid 0: its receiver closed it and is deleting it, or is opening it again.
        if (pid == 0 || isAlive(pid) || !before.equals(inode(path))) {
          return false;
        }
        Files.deleteIfExists(path);
        return true;
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Maps an existing ring for sending.
   *
   * @throws IOException when it does not exist or is not a ring
   */
  public static ShmRing openSender(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (ch.size() < HEADER) {
        throw new IOException(path + " is not a NemoSpawn ring: " + ch.size() + " bytes");
      }
      MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
      int magic = (int) INTS.getAcquire(b, OFF_MAGIC);
      long cap = (long) LONGS.getAcquire(b, OFF_CAPACITY);
      if (magic != MAGIC || ch.size() != HEADER + cap) {
        throw new IOException(path + " is not a NemoSpawn ring (magic or size mismatch)");
      }
      return new ShmRing(path, ch, b, null);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Returns the ring file. */
  public Path path() {
    return path;
  }

  /** Returns the data area's size in bytes. */
  public long capacity() {
    return capacity;
  }

  /** Returns the largest payload a record may carry: half the capacity less the header. */
  public int maxPayload() {
    return (int) Math.min(Integer.MAX_VALUE, capacity / 2 - 8);
  }

  /** Returns the receiver's pid, 0 when none is bound. */
  public long receiverPid() {
    return (long) LONGS.getAcquire(buf, OFF_PID);
  }

  /**
   * Returns whether the receiver reads binary records ({@link #KIND_BINARY}): it wrote its pid to
   * the binary pid word as well.
   */
  public boolean acceptsBinary() {
    long pid = receiverPid();
    return pid != 0 && (long) LONGS.getAcquire(buf, OFF_BINARY_PID) == pid;
  }

  /**
   * Returns whether the recorded receiver process is alive. A receiver that closes clears its pid,
   * which shows at once; a receiver that crashed is noticed within {@link #LIVENESS_TTL_NANOS},
   * because asking the OS about a pid costs about 15 µs, more than the rest of a send.
   */
  public boolean hasLiveReceiver() {
    long pid = receiverPid();
    if (pid == 0) {
      return false;
    }
    if (pid == PID) {
      return true;
    }
    long now = System.nanoTime();
    if (pid == livePid && now - liveCheckedNanos < LIVENESS_TTL_NANOS) {
      return true;
    }
    boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    if (alive) {
      liveCheckedNanos = now;
      livePid = pid;
    }
    return alive;
  }

  /** The outcome of {@link #offer}. */
  public enum Offer {
    /** Committed. */
    SENT,
    /** Not enough free space before the deadline. */
    FULL,
    /** The send lock stayed held by a live process until the deadline. */
    BUSY,
    /** The receiver went away. */
    NO_RECEIVER
  }

  /** Appends one JSON record: {@code offer(KIND_JSON, payload, deadlineNanos)}. */
  public Offer offer(byte[] payload, long deadlineNanos) throws InterruptedException {
    return offer(KIND_JSON, payload, deadlineNanos);
  }

  /**
   * Appends one record of {@code kind} ({@link #KIND_JSON} or {@link #KIND_BINARY}), waiting until
   * {@code deadlineNanos} ({@link System#nanoTime}) for space.
   *
   * @throws IllegalArgumentException when the payload exceeds {@link #maxPayload()}
   */
  public Offer offer(int kind, byte[] payload, long deadlineNanos) throws InterruptedException {
    if (kind != KIND_JSON && kind != KIND_BINARY) {
      throw new IllegalArgumentException("Not a message record kind: " + kind);
    }
    if (payload.length > maxPayload()) {
      throw new IllegalArgumentException("payload of " + payload.length
          + " bytes exceeds the ring's limit of " + maxPayload() + " bytes");
    }
    long size = 8 + align(payload.length);
    int backoff = 0;
    if (!jvmSendLock.tryLock(
        Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      return Offer.BUSY;
    }
    try {
      while (true) {
        if (!lockRing(deadlineNanos)) {
          return Offer.BUSY;
        }
        boolean locked = true;
        try {
          long tail = (long) LONGS.getVolatile(buf, OFF_TAIL);
          long head = (long) LONGS.getAcquire(buf, OFF_HEAD);
          long toEnd = capacity - (tail % capacity);
          long need = size <= toEnd ? size : toEnd + size;
          if (tail + need - head <= capacity) {
            if (size > toEnd) {
              LONGS.setRelease(buf, index(tail), ((long) KIND_PAD << 32) | (toEnd - 8));
              tail += toEnd;
            }
            int at = index(tail);
            buf.put(at + 8, payload);
            LONGS.setRelease(buf, at, ((long) kind << 32) | payload.length);
            LONGS.setRelease(buf, OFF_TAIL, tail + size);
            return Offer.SENT;
          }
          unlockRing();
          locked = false;
          if (receiverPid() == 0) {
            return Offer.NO_RECEIVER;
          }
          if (System.nanoTime() >= deadlineNanos) {
            return Offer.FULL;
          }
        } finally {
          if (locked) {
            unlockRing();
          }
        }
        backoff = pause(backoff, deadlineNanos);
      }
    } finally {
      jvmSendLock.unlock();
    }
  }

  private boolean lockRing(long deadlineNanos) throws InterruptedException {
    int spins = 0;
    while (true) {
      if (LONGS.compareAndSet(buf, OFF_LOCK, 0L, PID)) {
        return true;
      }
      spins++;
      if (spins % 1024 == 0) {
        long holder = (long) LONGS.getVolatile(buf, OFF_LOCK);
        if (holder != 0
            && holder != PID
            && !ProcessHandle.of(holder).map(ProcessHandle::isAlive).orElse(false)) {
          // The holder died mid-send; its half record is beyond tail, so taking over is safe.
          if (LONGS.compareAndSet(buf, OFF_LOCK, holder, PID)) {
            return true;
          }
        }
        if (System.nanoTime() >= deadlineNanos) {
          return false;
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
  }

  private void unlockRing() {
    LONGS.setRelease(buf, OFF_LOCK, 0L);
  }

  /**
   * A receiver's buffer for {@link #poll(Record)}: the last record's kind and payload, reused
   * from one record to the next (a large one is not kept).
   */
  public static final class Record {
    private static final int KEEP = 64 << 10;
    private byte[] bytes = new byte[4096];
    private int length;
    private int kind;

    /** The payload's bytes: the first {@link #length()} of them. */
    public byte[] bytes() {
      return bytes;
    }

    /** The payload's length. */
    public int length() {
      return length;
    }

    /** {@link #KIND_JSON} or {@link #KIND_BINARY}. */
    public int kind() {
      return kind;
    }

    /** Returns a copy of the payload. */
    public byte[] copy() {
      return java.util.Arrays.copyOf(bytes, length);
    }

    private byte[] reserve(int n) {
      if (bytes.length < n || bytes.length > KEEP && n <= KEEP) {
        bytes = new byte[Math.max(n, 4096)];
      }
      return bytes;
    }
  }

  /**
   * Returns the next record's payload, or null when the ring is empty. One receiving thread only.
   * Allocates a copy; the receiver uses {@link #poll(Record)}.
   */
  public byte @Nullable [] poll() {
    Record r = new Record();
    return poll(r) ? r.copy() : null;
  }

  /**
   * Takes the next message record into {@code into}; returns false when the ring is empty. One
   * receiving thread only.
   *
   * @throws IllegalStateException after skipping a record it cannot read (a corrupt header: the
   *     rest of the ring; a kind it does not know: that record)
   */
  public boolean poll(Record into) {
    long head = (long) LONGS.getOpaque(buf, OFF_HEAD);
    while (true) {
      long tail = (long) LONGS.getAcquire(buf, OFF_TAIL);
      if (head >= tail) {
        return false;
      }
      int at = index(head);
      long header = (long) LONGS.getAcquire(buf, at);
      long kind = header >>> 32;
      int length = (int) (header & 0xFFFF_FFFFL);
      long next = head + 8 + align(length);
      if (length < 0
          || next > tail
          || at + 8L + length > HEADER + capacity
          || (kind != KIND_PAD && length > maxPayload())) {
        // Cannot happen with the protocol above; resynchronise rather than read garbage forever.
        LONGS.setRelease(buf, OFF_HEAD, tail);
        throw new IllegalStateException("Corrupt record header " + Long.toHexString(header)
            + " at position " + head + " of ring " + path + "; skipped to " + tail);
      }
      if (kind == KIND_PAD) {
        head = next;
        LONGS.setRelease(buf, OFF_HEAD, head);
        continue;
      }
      if (kind != KIND_JSON && kind != KIND_BINARY) {
        LONGS.setRelease(buf, OFF_HEAD, next);
        throw new IllegalStateException("Skipped a record of unknown kind " + kind + " ("
            + length + " bytes) at position " + head + " of ring " + path
            + ": written by a newer version?");
      }
      buf.get(at + 8, into.reserve(length), 0, length);
      into.length = length;
      into.kind = (int) kind;
      LONGS.setRelease(buf, OFF_HEAD, next);
      return true;
    }
  }

  /** Returns whether a record is waiting. */
  public boolean hasNext() {
    return (long) LONGS.getOpaque(buf, OFF_HEAD) < (long) LONGS.getAcquire(buf, OFF_TAIL);
  }

  /**
   * How many times a waiting thread yields before it parks. Each {@link Thread#yield} lets the
   * peer process run if it shares the core (on a 2-core machine, it often does), and returns at
   * once when nothing else wants the core, so it polls about once a microsecond. Measured on 2
   * cores under load (docs/transport.md): spinning first (200 {@link Thread#onSpinWait}, then 100
   * yields, before 2026-12-04) made one-way p50 11 µs and p99 ~100 µs, because the spinner held the
   * core its sender needed; yielding only, 1.2-1.4 µs and 3-5 µs. Then parking bounds an idle
   * receiver's CPU use.
   */
  static final int YIELDS = 1000;

  /** Waits with back-off: yield, then park 20 µs doubling to 1 ms. Returns the next stage. */
  static int pause(int stage, long deadlineNanos) throws InterruptedException {
    if (stage < YIELDS) {
      Thread.yield();
    } else {
      long park = Math.min(1_000_000L, 20_000L << Math.min(6, (stage - YIELDS) / 8));
      LockSupport.parkNanos(Math.max(1, Math.min(park, deadlineNanos - System.nanoTime())));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
    return stage + 1;
  }

  private int index(long logical) {
    return (int) (HEADER + logical % capacity);
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  /**
   * Takes the send lock and writes half a record beyond tail, then returns without committing or
   * unlocking: what a sender killed mid-write leaves behind. For fault tests only.
   */
  public void simulateCrashMidWrite(byte[] payload) {
    while (!LONGS.compareAndSet(buf, OFF_LOCK, 0L, PID)) {
      Thread.onSpinWait();
    }
    long tail = (long) LONGS.getVolatile(buf, OFF_TAIL);
    int at = index(tail);
    int half = Math.min(payload.length / 2, (int) (capacity - tail % capacity) - 8);
    buf.put(at + 8, payload, 0, Math.max(0, half));
    buf.force();
  }

  @Override
  public void close() {
    try {
      if (receiverLock != null) {
        LONGS.setRelease(buf, OFF_PID, 0L);
        receiverLock.release();
        HELD.remove(key(path));
      }
      channel.close();
    } catch (IOException e) {
      // The mapping stays valid until collected; nothing else to release.
    }
  }

  @Override
  public String toString() {
    return "ShmRing[" + path + " capacity=" + capacity + " head="
        + (long) LONGS.getOpaque(buf, OFF_HEAD) + " tail=" + (long) LONGS.getOpaque(buf, OFF_TAIL)
        + "]";
  }
}
