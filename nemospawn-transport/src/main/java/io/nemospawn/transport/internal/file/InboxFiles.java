package io.nemospawn.transport.internal.file;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Listing;
import io.nemospawn.StateException;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.state.MessageJson;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable inbox directories of one team: {@code inbox/<agent>/<stamp>_<msg_id>.json}, the
 * message records of the on-disk format.
 *
 * <p>Writes go through {@link AtomicFiles} (exclusive name, atomic rename, forced per the
 * context's durability). Reading lists the directory once, sorts the names (they start with the
 * timestamp) and parses each file at most once per call; files this instance has seen marked read
 * are not parsed again, and the files behind the inbox's {@link ReadCursor read cursor} are not
 * opened at all, so receiving costs in proportion to the unread messages (plus one listing of
 * names), not to the inbox's history. Marking read patches the message's own file, found by name,
 * in place ({@link ReadFlag}). The
 * read-and-mark step runs under an OS lock on {@code inbox/<agent>/.lock} plus an in-JVM lock, so
 * two receivers, in one process or in two, never both deliver a message.
 *
 * <p>Thread-safe.
 */
public final class InboxFiles {
  private static final Logger log = LoggerFactory.getLogger(InboxFiles.class);

  /** The lock file in each inbox directory; not a message (it does not end in .json). */
  public static final String LOCK_FILE = ".lock";

  /** How long an empty message file counts as being written rather than broken. */
  private static final Duration EMPTY_GRACE = Duration.ofSeconds(30);

  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final TransportContext context;
  private final Map<String, Set<String>> knownRead = new ConcurrentHashMap<>();
  /** Per agent, names listed by a limited receive and not yet looked at; under the inbox lock. */
  private final Map<String, Deque<String>> backlog = new ConcurrentHashMap<>();

  private final java.util.concurrent.atomic.AtomicLong fileReads =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong listings =
      new java.util.concurrent.atomic.AtomicLong();
  /** Whether a mark-read since the last directory force fell back to a rename; under the lock. */
  private volatile boolean renamed;

  /** The last timestamp written per sender and recipient, so that name order is send order. */
  private final Map<String, Instant> lastStamp = new ConcurrentHashMap<>();

  /** Opens the inbox directories of the context's team (nothing is created until needed). */
  public InboxFiles(TransportContext context) {
    this.context = requireNonNull(context, "context");
  }

  /** Returns the context. */
  public TransportContext context() {
    return context;
  }

  /** Returns the inbox directory of an agent, checking the id. */
  public Path dir(String agentId) {
    return context.inboxDir(agentId);
  }

  /** Returns the file a message is (or would be) stored in. */
  public Path file(Message m) {
    return dir(m.to()).resolve(m.fileName());
  }

  /** A message as written, with its file. */
  public record Stored(Message message, Path file) {}

  /**
   * Writes a new unread message file with an exclusive name. The timestamp is made strictly
   * greater than that of the previous message this instance wrote from the same sender to the
   * same recipient (by a microsecond at most per message sent within one microsecond), so that
   * name order is send order; when the name is taken all the same, a new message id is drawn.
   *
   * @throws IllegalArgumentException when the message belongs to another team
   * @throws StateException when the file cannot be written
   */
  public Stored write(Message message) {
    requireNonNull(message, "message");
    if (!message.teamId().equals(context.teamId())) {
      throw new IllegalArgumentException("Cannot store message " + message.id() + " of team '"
          + message.teamId() + "' in team '" + context.teamId() + "'; open the store of that team");
    }
    Message m = message.withRead(false);
    Instant stamp = nextStamp(m.from() + "\n" + m.to(), m.timestamp());
    if (!stamp.equals(m.timestamp())) {
      m = new Message(m.id(), m.teamId(), m.from(), m.to(), m.body(), stamp, false);
    }
    Path dir = dir(m.to());
    for (int attempt = 0; ; attempt++) {
      Path target = dir.resolve(m.fileName());
      if (AtomicFiles.createNew(target, MessageJson.toFile(m), context.durability())) {
        log.trace("Wrote {}", target);
        return new Stored(m, target);
      }
      if (attempt >= 16) {
        throw new StateException(
            target,
            "Cannot store message in " + dir
                + ": 16 message ids in a row were taken; check the inbox directory");
      }
      m = new Message(
          StateFormat.newMessageId(), m.teamId(), m.from(), m.to(), m.body(), stamp, false);
    }
  }

  private Instant nextStamp(String pair, Instant wanted) {
    Instant w = wanted.truncatedTo(ChronoUnit.MICROS);
    return lastStamp.merge(
        pair, w, (last, now) -> now.isAfter(last) ? now : last.plus(1, ChronoUnit.MICROS));
  }

  /** Returns the message file names of an agent's inbox, sorted (oldest first). */
  public List<String> names(String agentId) {
    Path dir = dir(agentId);
    listings.incrementAndGet();
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (isMessageName(n)) {
          names.add(n);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new StateException(dir, "Cannot list inbox " + dir + ": " + e, e);
    }
    Collections.sort(names);
    return names;
  }

  static boolean isMessageName(String n) {
    return n.endsWith(".json") && n.length() > 5 && n.charAt(0) != '.';
  }

  /** The outcome of reading one file: a message, a problem, or nothing yet (being written). */
  record Read(
      MessageJson.@Nullable Parsed parsed,
      Listing.@Nullable Problem problem,
      byte @Nullable [] bytes) {
    static final Read PENDING = new Read(null, null, null);

    Read(MessageJson.@Nullable Parsed parsed, Listing.@Nullable Problem problem) {
      this(parsed, problem, null);
    }
  }

  /** Returns how many message files this instance has read (for cost tests). */
  long fileReads() {
    return fileReads.get();
  }

  /** Returns how many directory listings this instance has made (for cost tests). */
  long listings() {
    return listings.get();
  }

  Read read(String agentId, Path file) {
    fileReads.incrementAndGet();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Read.PENDING;
    } catch (IOException e) {
      return new Read(null, new Listing.Problem(file, "cannot be read: " + e));
    }
    if (bytes.length == 0) {
      // AtomicFiles.createNew claims the name with an empty file, then renames the content over.
      if (isRecent(file)) {
        return Read.PENDING;
      }
      return new Read(null, new Listing.Problem(file, "the file is empty"));
    }
    try {
      return new Read(MessageJson.parse(bytes, agentId, null), null, bytes);
    } catch (IllegalArgumentException e) {
      return new Read(
          null, new Listing.Problem(file, Objects.toString(e.getMessage(), e.toString())));
    }
  }

  private static boolean isRecent(Path file) {
    try {
      Instant modified = Files.getLastModifiedTime(file).toInstant();
      return modified.isAfter(Instant.now().minus(EMPTY_GRACE));
    } catch (IOException e) {
      return true;
    }
  }

  /** Returns the unread messages, oldest first, without marking them. */
  public Listing<Message> peek(String agentId) {
    return scan(agentId, false, false);
  }

  /** Returns every message, read or not, oldest first. */
  public Listing<Message> history(String agentId) {
    return scan(agentId, true, false);
  }

  /** Returns the unread messages, oldest first, and marks each read, under the inbox lock. */
  public Listing<Message> receive(String agentId) {
    return receive(agentId, Integer.MAX_VALUE);
  }

  /**
   * Returns at most {@code limit} unread messages, oldest first, and marks those read, under the
   * inbox lock; the others stay unread.
   *
   * @throws IllegalArgumentException when {@code limit} is not positive
   */
  public Listing<Message> receive(String agentId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("Cannot receive " + limit + " messages for agent '"
          + agentId + "': the limit must be 1" + " or more");
    }
    if (limit == Integer.MAX_VALUE) {
      return locked(agentId, () -> scan(agentId, false, true));
    }
    return locked(agentId, () -> {
      // A receiver taking a few at a time works through the names of one listing (the backlog)
      // before it lists again, so that taking N messages costs one listing, not N.
      Deque<String> queue = backlog.computeIfAbsent(agentId, k -> new ArrayDeque<>());
      boolean listed = false;
      while (true) {
        if (queue.isEmpty()) {
          if (listed) {
            return Listing.empty();
          }
          queue.addAll(candidates(agentId).names());
          listed = true;
        }
        Listing<Message> b = scan(agentId, false, true, queue, limit);
        if (!b.items().isEmpty() || !b.problems().isEmpty() || listed) {
          return b;
        }
      }
    });
  }

  private Listing<Message> scan(String agentId, boolean includeRead, boolean mark) {
    if (includeRead) {
      return scan(agentId, true, mark, new ArrayDeque<>(names(agentId)), Integer.MAX_VALUE);
    }
    ReadCursor.Candidates c = candidates(agentId);
    Listing<Message> out =
        scan(agentId, false, mark, new ArrayDeque<>(c.names()), Integer.MAX_VALUE);
    if (mark) {
      advanceCursor(agentId, c);
    }
    return out;
  }

  /**
   * Lists the inbox and returns the names that may hold unread messages: those after the read
   * cursor when the cursor still describes the names before it, else every name (the fallback
   * scan, when a file appeared or vanished behind the cursor, or the cursor is missing).
   */
  ReadCursor.Candidates candidates(String agentId) {
    Path dir = dir(agentId);
    listings.incrementAndGet();
    String[] all = dir.toFile().list();
    if (all == null) {
      return ReadCursor.Candidates.NONE;
    }
    return ReadCursor.read(dir).candidates(all);
  }

  /**
   * Moves the read cursor to the last name before which every listed name is known read, after a
   * receive of everything; a file that is being written or cannot be read holds it back.
   */
  private void advanceCursor(String agentId, ReadCursor.Candidates c) {
    Set<String> known = knownRead(agentId);
    ReadCursor next = c.advance(known::contains);
    if (!next.equals(c.cursor())) {
      next.write(dir(agentId));
    }
  }

  /** Reads names from the front of {@code names} until {@code limit} messages are found. */
  private Listing<Message> scan(
      String agentId, boolean includeRead, boolean mark, Deque<String> names, int limit) {
    Path dir = dir(agentId);
    Set<String> known = knownRead(agentId);
    List<Message> messages = new ArrayList<>();
    List<Listing.Problem> problems = new ArrayList<>();
    while (messages.size() < limit && !names.isEmpty()) {
      String name = names.pollFirst();
      if (!includeRead && known.contains(name)) {
        continue;
      }
      Path file = dir.resolve(name);
      Read r = read(agentId, file);
      if (r.problem() != null) {
        problems.add(r.problem());
        continue;
      }
      if (r.parsed() == null) {
        continue;
      }
      Message m = r.parsed().message();
      if (m.read()) {
        known.add(name);
        if (includeRead) {
          messages.add(m);
        }
        continue;
      }
      if (mark) {
        m = markRead(file, r.parsed(), r.bytes());
        known.add(name);
      }
      messages.add(m);
    }
    if (mark && !messages.isEmpty()) {
      forceIfDurable(dir);
    }
    return new Listing<>(messages, problems);
  }

  /**
   * Marks the file read: in place when it holds a top-level {@code "read": false} ({@link
   * ReadFlag}), else rewritten whole and renamed into place atomically. Neither is forced: after a
   * power loss a message may be delivered again (at least once), never lost, and receiving 1,000
   * messages costs at most one directory force rather than 2,000 forces.
   */
  private Message markRead(Path file, MessageJson.Parsed parsed, byte @Nullable [] bytes) {
    Message m = parsed.message().withRead(true);
    if (bytes != null && ReadFlag.patch(file, bytes)) {
      return m;
    }
    AtomicFiles.write(file, MessageJson.toFile(m, parsed.extras()), Durability.NONE);
    renamed = true;
    return m;
  }

  private void forceIfDurable(@Nullable Path dir) {
    // Only a rename (the fallback of markRead) changes the directory; patched flags do not.
    if (dir != null && renamed && context.durability() == Durability.FSYNC) {
      renamed = false;
      AtomicFiles.forceDirectory(dir);
    }
  }

  /** What {@link #claim} found. */
  public enum Claim {
    /** The message was unread and is now marked read: deliver it. */
    DELIVER,
    /** It was read already: a duplicate. */
    DUPLICATE
  }

  /**
   * Marks the durable record of a message that arrived over a fast transport read, under the
   * inbox lock, finding the file by name. When the file does not exist (a peer that sent only over
   * the fast transport), the durable record is written, marked read.
   *
   * @return whether to deliver it or drop it as a duplicate
   */
  public Claim claim(Message envelope) {
    String agentId = envelope.to();
    Path file = file(envelope);
    String name = file.getFileName().toString();
    if (knownRead(agentId).contains(name)) {
      return Claim.DUPLICATE;
    }
    return locked(agentId, () -> {
      Read r = read(agentId, file);
      if (r.parsed() != null) {
        if (r.parsed().message().read()) {
          knownRead(agentId).add(name);
          return Claim.DUPLICATE;
        }
        markRead(file, r.parsed(), r.bytes());
        forceIfDurable(file.getParent());
      } else {
        if (r.problem() != null) {
          log.warn(
              "Replacing unreadable inbox file {} ({}) with the message that arrived for it",
              file,
              r.problem().reason());
        }
        AtomicFiles.write(file, MessageJson.toFile(envelope.withRead(true)), context.durability());
      }
      knownRead(agentId).add(name);
      return Claim.DELIVER;
    });
  }

  private Set<String> knownRead(String agentId) {
    return knownRead.computeIfAbsent(agentId, k -> ConcurrentHashMap.newKeySet());
  }

  /** Runs {@code body} holding the agent's inbox lock (in-JVM, then the OS lock). */
  public <T> T locked(String agentId, Supplier<T> body) {
    Path dir = dir(agentId);
    Path lockFile = dir.resolve(LOCK_FILE);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StateException(dir, "Cannot create inbox " + dir + ": " + e, e);
    }
    ReentrantLock jvmLock =
        JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new ReentrantLock());
    jvmLock.lock();
    try {
      if (jvmLock.getHoldCount() > 1) {
        return body.get();
      }
      try (FileChannel ch =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        return body.get();
      } catch (IOException e) {
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
        }
        throw new StateException(
            lockFile, "Cannot lock inbox " + dir + " (" + lockFile + "): " + e, e);
      }
    } finally {
      jvmLock.unlock();
    }
  }
}
