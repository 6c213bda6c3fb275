package io.nemospawn.state;

import io.nemospawn.StateException;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The write protocol of the state directory: write a temp file in the same directory, force it,
 * rename it atomically over the target, force the directory. Readers never see a torn file; a
 * crash leaves at most a temp file, which {@link #cleanTempFiles} removes.
 *
 * <p>Only atomic rename, {@code O_EXCL} creation and (elsewhere) POSIX locks are relied upon, so
 * the protocol works on NFS. Thread-safe: stateless apart from a counter for unique temp names.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class AtomicFiles {
  /** Temp files start with this prefix; nothing else in the state directory does. */
  public static final String TEMP_PREFIX = ".tmp-";

  /**
   * Temp files of writers whose liveness cannot be checked (another host on a shared file
   * system, another PID namespace such as a sandbox) count as abandoned only after this long.
   */
  public static final Duration FOREIGN_TEMP_AGE = Duration.ofMinutes(10);

  private static final AtomicLong COUNTER = new AtomicLong();
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final long PID = ProcessHandle.current().pid();

  /**
   * Who may judge a temp file by its pid: a hash of the host name and the PID namespace. A pid
   * means the same process only to a process with the same tag.
   */
  private static final String OWNER = ownerTag();

  /** The prefix of this process's temp file names: {@code .tmp-<owner>-<pid>-}. */
  private static final String MINE = TEMP_PREFIX + OWNER + "-" + PID + "-";

  private AtomicFiles() {}

  /**
   * Replaces {@code target} with {@code content} atomically, creating parent directories.
   *
   * @throws StateException naming the file when the write fails
   */
  public static void write(Path target, byte[] content, Durability durability) {
    write(target, content, durability, null);
  }

  private static void write(
      Path target, byte[] content, Durability durability, @Nullable Set<PosixFilePermission> mode) {
    Path dir = parentOf(target);
    Path temp = dir.resolve(MINE + COUNTER.incrementAndGet() + "-" + target.getFileName());
    try {
      writeTemp(dir, temp, content, durability, mode);
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new StateException(
            target, "Cannot write " + target + ": the file system has no atomic rename", e);
      }
      if (durability == Durability.FSYNC) {
        forceDirectory(dir);
      }
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new StateException(target, "Cannot write " + target + ": " + e, e);
    }
  }

  /**
   * Creates {@code target} with {@code content} only if no file of that name exists: the content
   * is written to a temp file, which is then hard-linked to the target (exclusive, atomic, NFS-safe;
   * where links are unsupported, an {@code O_EXCL} placeholder is created and then replaced).
   *
   * @return false when the file exists already; nothing was written
   * @throws StateException naming the file when the write fails
   */
  public static boolean createNew(Path target, byte[] content, Durability durability) {
    return createNew(target, content, durability, null);
  }

  /**
   * Same as {@link #createNew(Path, byte[], Durability)}, for a file only its owner may read or
   * write (mode 0600 whatever the umask): the temp file is created with that mode, so the content
   * is never readable by others, not even for a moment. For files that may hold secrets.
   */
  public static boolean createNewOwnerOnly(Path target, byte[] content, Durability durability) {
    return createNew(target, content, durability, OWNER_ONLY);
  }

  /**
   * Same as {@link #write(Path, byte[], Durability)}, for a file only its owner may read or write
   * (mode 0600 whatever the umask; an existing target with a wider mode is replaced by one with
   * mode 0600).
   */
  public static void writeOwnerOnly(Path target, byte[] content, Durability durability) {
    write(target, content, durability, OWNER_ONLY);
  }

  private static Path parentOf(Path target) {
    Path dir = target.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IllegalArgumentException(
          "Cannot write '" + target + "': it is a file system root; name a file in a directory");
    }
    return dir;
  }

  private static boolean createNew(
      Path target, byte[] content, Durability durability, @Nullable Set<PosixFilePermission> mode) {
    Path dir = parentOf(target);
    Path temp = dir.resolve(MINE + COUNTER.incrementAndGet() + "-" + target.getFileName());
    try {
      writeTemp(dir, temp, content, durability, mode);
      // A hard link is an exclusive create that makes the whole content appear at once (and
      // works on NFS): readers never see an empty placeholder, and no rename replaces a file.
      Files.createLink(target, temp);
    } catch (FileAlreadyExistsException e) {
      deleteQuietly(temp);
      return false;
    } catch (UnsupportedOperationException | IOException e) {
      deleteQuietly(temp);
      return createNewWithPlaceholder(target, content, durability, e, mode);
    }
    deleteQuietly(temp);
    if (durability == Durability.FSYNC) {
      forceDirectory(dir);
    }
    return true;
  }

  /**
   * Creates {@code target} with {@code content} in place, only if no file of that name exists: one
   * exclusive open ({@code O_EXCL}), one write, no temp file, no link, nothing forced. A reader may
   * see the file empty for a moment (never half-written on a local file system: one write of the
   * whole content), which {@code RecordStore} reads as not created yet; a crash may leave it
   * empty. For batches whose journal entry removes what a crash leaves, and which force the files
   * afterwards ({@link #forceAll}) when they must be durable.
   *
   * @return false when the file exists already; nothing was written
   * @throws StateException naming the file when the write fails
   */
  public static boolean createNewInPlace(Path target, byte[] content) {
    Path dir = parentOf(target);
    try {
      writeTemp(dir, target, content, Durability.NONE, null);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new StateException(target, "Cannot create " + target + ": " + e, e);
    }
  }

  /** For file systems without hard links: claims the name with O_EXCL, then writes it. */
  private static boolean createNewWithPlaceholder(
      Path target,
      byte[] content,
      Durability durability,
      Exception linkFailure,
      @Nullable Set<PosixFilePermission> mode) {
    try {
      Files.createFile(target);
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      e.addSuppressed(linkFailure);
      throw new StateException(target, "Cannot create " + target + ": " + e, e);
    }
    write(target, content, durability, mode);
    return true;
  }

  /**
   * Removes temp files that a crashed writer left in {@code dir} (not recursive).
   *
   * @return how many were removed
   */
  public static int cleanTempFiles(Path dir) {
    int removed = 0;
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
      for (Path p : stream) {
        if (isStale(p) && Files.deleteIfExists(p)) {
          removed++;
        }
      }
    } catch (IOException e) {
      throw new StateException(dir, "Cannot clean temp files in " + dir + ": " + e, e);
    }
    return removed;
  }

  /**
   * Returns whether a temp file's writer is gone. Its name says who wrote it ({@code
   * .tmp-<owner>-<pid>-…}): a writer of this host and PID namespace is gone when its pid is not
   * alive; any other writer's file is abandoned once it is older than {@link #FOREIGN_TEMP_AGE},
   * since its pid means nothing here.
   */
  private static boolean isStale(Path temp) {
    String[] parts =
        temp.getFileName().toString().substring(TEMP_PREFIX.length()).split("-", 3);
    if (parts.length == 3 && parts[0].equals(OWNER)) {
      try {
        long pid = Long.parseLong(parts[1]);
        return pid != PID && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
      } catch (NumberFormatException e) {
        // Not one of ours after all: judge it by age.
      }
    }
    try {
      Instant modified = Files.getLastModifiedTime(temp).toInstant();
      return modified.plus(FOREIGN_TEMP_AGE).isBefore(Instant.now());
    } catch (IOException e) {
      return false;
    }
  }

  private static String ownerTag() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = System.getenv().getOrDefault("HOSTNAME", "unknown-host");
    }
    String pidNamespace;
    try {
      pidNamespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
    } catch (IOException | UnsupportedOperationException e) {
      pidNamespace = "no-pid-namespace";
    }
    return String.format("%08x", (host + "/" + pidNamespace).hashCode());
  }

  /** Returns the temp-file name prefix of this process, for tests. */
  static String tempPrefixOfThisProcess() {
    return MINE;
  }

  /** Returns the owner tag of this process, for tests. */
  static String ownerTagOfThisProcess() {
    return OWNER;
  }

  /**
   * Opens {@code file} for writing, creating it if needed, and its parent directory only when
   * that is missing: trying first saves the two system calls of {@link Files#createDirectories}
   * on every open of a file that is written often (a lock file, an index record).
   *
   * @throws IOException when the file cannot be opened
   */
  public static FileChannel openForWrite(Path file) throws IOException {
    try {
      return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (java.nio.file.NoSuchFileException e) {
      Path dir = file.toAbsolutePath().getParent();
      if (dir == null) {
        throw e;
      }
      Files.createDirectories(dir);
      return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
  }

  /**
   * Writes the temp file, creating its directory only when it is missing: trying first saves
   * the two system calls of {@link Files#createDirectories} on every write.
   */
  private static void writeTemp(
      Path dir,
      Path temp,
      byte[] content,
      Durability durability,
      @Nullable Set<PosixFilePermission> mode)
      throws IOException {
    try {
      writeAndForce(temp, content, durability, mode);
    } catch (java.nio.file.NoSuchFileException e) {
      Files.createDirectories(dir);
      writeAndForce(temp, content, durability, mode);
    }
  }

  private static void writeAndForce(
      Path file, byte[] content, Durability durability, @Nullable Set<PosixFilePermission> mode)
      throws IOException {
    Set<StandardOpenOption> options =
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileAttribute<?>[] attrs = mode == null
        ? new FileAttribute<?>[0]
        : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
    try (FileChannel ch = FileChannel.open(file, options, attrs)) {
      if (mode != null) {
        // The umask may have removed bits from the creation mode; set it exactly.
        Files.setPosixFilePermissions(file, mode);
      }
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (durability == Durability.FSYNC) {
        ch.force(true);
      }
    }
  }

  /** How many threads {@link #forceAll} forces files from at once. */
  private static final int FORCE_THREADS = 16;

  private static final java.util.concurrent.ExecutorService FORCERS =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "nemospawn-force");
        t.setDaemon(true);
        return t;
      });

  /**
   * Makes files written with {@link Durability#NONE} durable, then their directories, each once:
   * the barrier of a batch. The files are forced from several threads at once, so that the file
   * system can merge their flushes into few journal commits (ext4's jbd2 commits concurrent
   * fsyncs together) instead of one commit per file.
   *
   * @throws StateException naming a file that cannot be forced
   */
  public static void forceAll(java.util.Collection<Path> files) {
    List<Path> all = List.copyOf(files);
    int stripes = Math.min(FORCE_THREADS, all.size());
    List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>(stripes);
    for (int s = 1; s < stripes; s++) {
      int first = s;
      running.add(FORCERS.submit(() -> forceStripe(all, first, stripes)));
    }
    StateException failed = null;
    try {
      forceStripe(all, 0, Math.max(1, stripes));
    } catch (StateException e) {
      failed = e;
    }
    for (java.util.concurrent.Future<?> f : running) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        StateException se = e.getCause() instanceof StateException x
            ? x
            : new StateException(
                parentOf(all.get(0)), "Cannot force files: " + e.getCause(), e.getCause());
        if (failed == null) {
          failed = se;
        } else {
          failed.addSuppressed(se);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StateException(
            parentOf(all.get(0)), "Interrupted while forcing files to disk", e);
      }
    }
    if (failed != null) {
      throw failed;
    }
    new java.util.LinkedHashSet<>(all.stream().map(AtomicFiles::parentOf).toList())
        .forEach(AtomicFiles::forceDirectory);
  }

  private static void forceStripe(List<Path> files, int first, int step) {
    for (int i = first; i < files.size(); i += step) {
      Path f = files.get(i);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.force(true);
      } catch (IOException e) {
        throw new StateException(f, "Cannot force " + f + " to disk: " + e, e);
      }
    }
  }

  /** Forces a directory's entries to disk, so a rename survives power loss. */
  public static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot open directories for reading; the rename is still atomic.
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // The temp file is cleaned on the next open.
    }
  }
}
