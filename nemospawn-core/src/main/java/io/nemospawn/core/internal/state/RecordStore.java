package io.nemospawn.core.internal.state;

import io.nemospawn.Listing;
import io.nemospawn.StateException;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads and writes JSON records with the atomic write protocol. A record that cannot be read is
 * reported with its path and the reason. Thread-safe; isolation (locks) is the caller's part.
 */
public final class RecordStore {
  private static final int MAX_ID_ATTEMPTS = 16;
  /** How long an empty record file counts as being created rather than broken. */
  static final Duration CREATE_GRACE = Duration.ofSeconds(30);

  private final Durability durability;
  private final java.util.concurrent.atomic.LongAdder reads =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * Asked before every change this store makes; throws to refuse it (the {@code auth} checks of a
   * handle opened with a key).
   */
  @FunctionalInterface
  public interface Guard {
    /** Refuses changing {@code file} by throwing; {@code what} names the change. */
    void check(Path file, String what);
  }

  private volatile Guard guard = (file, what) -> {};

  public RecordStore(Durability durability) {
    this.durability = durability;
  }

  /** Sets the guard asked before every change. */
  public void guard(Guard guard) {
    this.guard = java.util.Objects.requireNonNull(guard, "guard");
  }

  /**
   * Asks the guard whether {@code file} (a record, or a team directory for changes written
   * elsewhere, such as messages) may be changed; throws when not.
   */
  public void checkChange(Path file, String what) {
    guard.check(file, what);
  }

  public Durability durability() {
    return durability;
  }

  /** Returns how many record files this store has read, for tests and benchmarks. */
  public long reads() {
    return reads.sum();
  }

  /**
   * Reads a record.
   *
   * @throws java.util.NoSuchElementException when the file does not exist
   * @throws StateException naming the file and the reason when it cannot be parsed
   */
  public ObjectNode read(Path file) {
    return readIfExists(file)
        .orElseThrow(() -> new java.util.NoSuchElementException("No such record: " + file));
  }

  /** Reads a record if the file exists. */
  public Optional<ObjectNode> readIfExists(Path file) {
    byte[] bytes;
    reads.increment();
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StateException(file, "Cannot read " + file + ": " + e, e);
    }
    if (bytes.length == 0 && isBeingCreated(file)) {
      // createNew claims the name with an empty file, then renames the content over it: a
      // record that is still being created does not exist yet.
      return Optional.empty();
    }
    try {
      return Optional.of(Json.parseObject(bytes));
    } catch (IllegalArgumentException e) {
      throw new StateException(file, "Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads and decodes a record; a record that parses but does not decode (a field of the wrong
   * type) is reported like a malformed one: the file, what is wrong and the fix.
   *
   * @throws java.util.NoSuchElementException when the file does not exist
   * @throws StateException naming the file, the reason and the fix
   */
  public <T> T read(Path file, java.util.function.Function<ObjectNode, T> decoder) {
    return decode(file, read(file), decoder);
  }

  /** Reads and decodes a record if the file exists; see {@link #read(Path, java.util.function.Function)}. */
  public <T> Optional<T> readIfExists(
      Path file, java.util.function.Function<ObjectNode, T> decoder) {
    return readIfExists(file).map(n -> decode(file, n, decoder));
  }

  /** Decodes a record read from {@code file}, naming the file and the fix when it fails. */
  public static <T> T decode(
      Path file, ObjectNode node, java.util.function.Function<ObjectNode, T> decoder) {
    try {
      return decoder.apply(node);
    } catch (IllegalArgumentException e) {
      throw new StateException(
          file,
          "Cannot read " + file + ": " + e.getMessage()
              + "; correct that field in the file or restore the file from a backup",
          e);
    }
  }

  /**
   * Returns whether an empty file is a record being created (claimed by {@code createNew} within
   * the last {@link #CREATE_GRACE}) rather than a truncated one. File times are wall-clock times,
   * so this compares with the system clock, not the injected one.
   */
  private static boolean isBeingCreated(Path file) {
    try {
      Instant modified = Files.getLastModifiedTime(file).toInstant();
      return modified.isAfter(Instant.now().minus(CREATE_GRACE));
    } catch (IOException e) {
      return true;
    }
  }

  /** Replaces a record atomically. */
  public void write(Path file, ObjectNode node) {
    guard.check(file, "change " + file.getFileName());
    AtomicFiles.write(file, Json.bytes(node), durability);
  }

  /** Creates a record only if no file of that name exists; false when one does. */
  public boolean createNew(Path file, ObjectNode node) {
    guard.check(file, "create " + file.getFileName());
    return AtomicFiles.createNew(file, Json.bytes(node), durability);
  }

  /**
   * Creates a record under a fresh id: draws ids from {@code ids} until a name is free (exclusive
   * create), so a clash is retried, never overwritten.
   *
   * @param fileFor the file of an id
   * @param make the record for an id
   * @return the id used
   */
  public String createWithFreshId(
      Supplier<String> ids, Function<String, Path> fileFor, Function<String, ObjectNode> make) {
    for (int i = 0; i < MAX_ID_ATTEMPTS; i++) {
      String id = ids.get();
      Path file = fileFor.apply(id);
      guard.check(file, "create " + file.getFileName()); // before the record is made
      if (AtomicFiles.createNew(file, Json.bytes(make.apply(id)), durability)) {
        return id;
      }
    }
    throw new IllegalStateException("Could not draw a free id after " + MAX_ID_ATTEMPTS
        + " attempts; the id space is exhausted");
  }

  /**
   * Creates a record in place, not forced ({@link AtomicFiles#createNewInPlace}), only if no file
   * of that name exists: for a batch whose journal entry settles what a crash leaves, and which
   * makes its records durable all at once.
   *
   * @return false when the file exists already; nothing was written
   */
  public boolean createInPlace(Path file, ObjectNode node) {
    guard.check(file, "create " + file.getFileName());
    return AtomicFiles.createNewInPlace(file, Json.bytes(node));
  }

  /**
   * Lists and decodes the {@code *.json} records of a directory (temp and hidden files skipped).
   * A file that cannot be read or decoded becomes a {@link Listing.Problem}; a file removed while
   * listing is skipped.
   */
  public <T> Listing<T> list(
      Path dir, Function<ObjectNode, T> decoder, Comparator<? super T> order) {
    List<T> items = new ArrayList<>();
    List<Listing.Problem> problems = new ArrayList<>();
    for (Path file : jsonFiles(dir)) {
      try {
        Optional<ObjectNode> node = readIfExists(file);
        if (node.isPresent()) {
          items.add(decoder.apply(node.get()));
        }
      } catch (StateException e) {
        problems.add(new Listing.Problem(file, reasonOf(e)));
      } catch (RuntimeException e) {
        problems.add(new Listing.Problem(file, String.valueOf(e.getMessage())));
      }
    }
    items.sort(order);
    return new Listing<>(items, problems);
  }

  /** Returns the {@code *.json} files of a directory, sorted by name; empty when it is absent. */
  public static List<Path> jsonFiles(Path dir) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".")) {
          files.add(p);
        }
      }
    } catch (NoSuchFileException e) {
      return files;
    } catch (IOException e) {
      throw new StateException(dir, "Cannot list " + dir + ": " + e, e);
    }
    files.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return files;
  }

  /** Returns the reason of a read failure without the {@code "Cannot read <path>: "} prefix. */
  public static String reasonOf(StateException e) {
    Throwable c = e.getCause();
    String m = e.getMessage();
    String prefix = "Cannot read " + e.path() + ": ";
    if (m != null && m.startsWith(prefix)) {
      return m.substring(prefix.length());
    }
    return c != null && c.getMessage() != null ? c.getMessage() : String.valueOf(m);
  }
}
