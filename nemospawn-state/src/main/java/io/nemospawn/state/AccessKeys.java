package io.nemospawn.state;

import io.nemospawn.AccessRole;
import io.nemospawn.Principal;
import io.nemospawn.StateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The access keys that guard changes made through the web board (and, later, the control plane
 * and users): {@code <data dir>/access-keys.json}, mode 0600, holding only a random salt and the
 * salted SHA-256 of each key, never a key itself. A key is at least 256 bits: generated ones are
 * 32 random bytes from {@link SecureRandom}, written as 43 base64url characters; added ones must
 * be at least {@value #MIN_KEY_LENGTH} characters. Thread-safe; every call reads the file again,
 * so keys added by another process count at once.
 *
 * <p>A key may carry a scope ({@link #generate(String, Principal)}): the user, role and team it
 * acts for when the {@code auth} setting is on ({@link Authorizer}). A key without one (added by
 * {@code board key add|generate}) acts as an admin, as it always did on the board.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class AccessKeys {
  /** The file name under the data directory. */
  public static final String FILE_NAME = "access-keys.json";

  /** The fewest characters an added key may have. */
  public static final int MIN_KEY_LENGTH = 32;

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Path file;

  private AccessKeys(Path file) {
    this.file = file;
  }

  /** Returns the key store of a data directory; touches no file. */
  public static AccessKeys of(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    return new AccessKeys(dataDir.resolve(FILE_NAME));
  }

  /** Returns the file that holds the hashes. */
  public Path file() {
    return file;
  }

  /**
   * Returns whether the store holds at least one key.
   *
   * @throws StateException when the file exists but cannot be read
   */
  public boolean hasKeys() {
    return !read().isEmpty();
  }

  /**
   * Generates a key when the store holds none and returns it: the only time it is ever seen.
   *
   * @return the new key, or empty when the store already held one
   * @throws StateException when the file cannot be read or written
   */
  public synchronized Optional<String> generateIfEmpty() {
    if (!read().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(generate("generated"));
  }

  /**
   * Generates a new key, stores its hash under {@code label} and returns it.
   *
   * @throws StateException when the file cannot be read or written
   */
  public synchronized String generate(String label) {
    String key = newKey();
    add(key, label);
    return key;
  }

  /**
   * Generates a new key acting for {@code scope}, stores its hash under {@code label} and returns
   * it: the only time it is ever seen.
   *
   * @throws StateException when the file cannot be read or written
   * @since 0.1
   */
  public synchronized String generate(String label, Principal scope) {
    Objects.requireNonNull(scope, "scope");
    String key = newKey();
    store(key, label, scope);
    return key;
  }

  private static String newKey() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /**
   * Returns who {@code key} acts for: its scope, or an admin named after its label for a key
   * without one; empty when no stored key matches. Every entry is hashed and compared in
   * constant time, so the time taken does not tell which entry matched.
   *
   * @throws StateException when the file exists but cannot be read
   * @since 0.1
   */
  public Optional<Principal> identify(String key) {
    Objects.requireNonNull(key, "key");
    Entry found = null;
    for (Entry e : read()) {
      byte[] salt = HexFormat.of().parseHex(e.salt());
      byte[] expected = HexFormat.of().parseHex(e.hash());
      if (MessageDigest.isEqual(expected, HexFormat.of().parseHex(hash(salt, key)))
          && found == null) {
        found = e;
      }
    }
    if (found == null) {
      return Optional.empty();
    }
    if (found.role().isEmpty()) {
      return Optional.of(new Principal(found.label(), AccessRole.ADMIN, ""));
    }
    AccessRole role = AccessRole.find(found.role())
        .orElseThrow(() -> new StateException(
            file, "Cannot read access keys " + file + ": unknown role in entry"));
    return Optional.of(new Principal(found.user(), role, found.team()));
  }

  /**
   * Removes every key acting for {@code user} (scoped keys only) and returns how many.
   *
   * @throws StateException when the file cannot be read or written
   * @since 0.1
   */
  public synchronized int revokeUser(String user) {
    Objects.requireNonNull(user, "user");
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    int[] removed = {0};
    locked(() -> {
      List<Entry> entries = new ArrayList<>(read());
      int before = entries.size();
      entries.removeIf(e -> !e.role().isEmpty() && e.user().equals(user));
      if (entries.size() != before) {
        write(entries);
      }
      removed[0] = before - entries.size();
    });
    return removed[0];
  }

  /**
   * Removes the key with the given id (as {@link #list()} shows it); returns whether there was
   * one.
   *
   * @throws StateException when the file cannot be read or written
   * @since 0.1
   */
  public synchronized boolean revoke(String id) {
    Objects.requireNonNull(id, "id");
    boolean[] removed = {false};
    locked(() -> {
      List<Entry> entries = new ArrayList<>(read());
      removed[0] = entries.removeIf(e -> e.id().equals(id));
      if (removed[0]) {
        write(entries);
      }
    });
    return removed[0];
  }

  /**
   * Stores the hash of a key the caller chose (read from a file or stdin, never from a command
   * line).
   *
   * @throws IllegalArgumentException when the key is shorter than {@value #MIN_KEY_LENGTH}
   *     characters or holds whitespace or control characters
   * @throws StateException when the file cannot be read or written
   */
  public synchronized void add(String key, String label) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(label, "label");
    if (key.length() < MIN_KEY_LENGTH) {
      throw new IllegalArgumentException("An access key must have at least " + MIN_KEY_LENGTH
          + " characters (256 bits of a random key), this one has " + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new IllegalArgumentException(
            "An access key may not hold spaces or control characters (at index " + i + ")");
      }
    }
    store(key, label, null);
  }

  private void store(String key, String label, @Nullable Principal scope) {
    locked(() -> store0(key, label, scope));
  }

  /**
   * Runs a read-modify-write of the file holding every other writer out: threads of this JVM
   * (whatever instance they use) and other processes ({@code <data dir>/.locks/access-keys.lock}).
   */
  private void locked(Runnable change) {
    Path parent = Objects.requireNonNull(file.toAbsolutePath().getParent(), "parent");
    Path lock = parent.resolve(".locks").resolve("access-keys.lock");
    synchronized (AccessKeys.class) {
      try {
        Files.createDirectories(lock.getParent());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(
                lock,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock held = ch.lock()) {
          change.run();
        }
      } catch (IOException e) {
        throw new StateException(file, "Cannot lock " + lock + ": " + e, e);
      }
    }
  }

  private void store0(String key, String label, @Nullable Principal scope) {
    List<Entry> entries = new ArrayList<>(read());
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    String id = HexFormat.of().formatHex(salt, 0, 4);
    entries.add(new Entry(
        id,
        label,
        HexFormat.of().formatHex(salt),
        hash(salt, key),
        Instant.now(),
        scope == null ? "" : scope.user(),
        scope == null ? "" : scope.role().wireName(),
        scope == null ? "" : scope.team()));
    write(entries);
  }

  /**
   * Returns whether {@code key} is one of the stored keys (compared in constant time per entry).
   *
   * @throws StateException when the file exists but cannot be read
   */
  public boolean verify(String key) {
    Objects.requireNonNull(key, "key");
    boolean ok = false;
    for (Entry e : read()) {
      byte[] salt = HexFormat.of().parseHex(e.salt());
      byte[] expected = HexFormat.of().parseHex(e.hash());
      ok |= MessageDigest.isEqual(expected, HexFormat.of().parseHex(hash(salt, key)));
    }
    return ok;
  }

  /**
   * Returns the stored entries: id, label, creation time (no hashes).
   *
   * @throws StateException when the file exists but cannot be read
   */
  public List<Map<String, String>> list() {
    List<Map<String, String>> out = new ArrayList<>();
    for (Entry e : read()) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("id", e.id());
      m.put("label", e.label());
      m.put("created_at", e.createdAt().toString());
      if (!e.role().isEmpty()) {
        m.put("user", e.user());
        m.put("role", e.role());
        m.put("team", e.team());
      }
      out.add(m);
    }
    return out;
  }

  private static String hash(byte[] salt, String key) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(salt);
      d.update(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private record Entry(
      String id,
      String label,
      String salt,
      String hash,
      Instant createdAt,
      String user,
      String role,
      String team) {}

  private List<Entry> read() {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try {
      JsonNode root = MAPPER.readTree(Files.readString(file));
      JsonNode keys = root.path("keys");
      if (!keys.isArray()) {
        throw new StateException(
            file,
            "Cannot read access keys " + file
                + ": no \"keys\" array; fix or remove the file and run `board serve` again");
      }
      List<Entry> out = new ArrayList<>();
      for (JsonNode k : keys) {
        String salt = k.path("salt").asString("");
        String hash = k.path("hash").asString("");
        if (salt.length() != 32 || hash.length() != 64) {
          throw new StateException(
              file,
              "Cannot read access keys " + file
                  + ": an entry lacks a 16-byte salt or a SHA-256 hash");
        }
        out.add(new Entry(
            k.path("id").asString(""),
            k.path("label").asString(""),
            salt,
            hash,
            Instant.parse(k.path("created_at").asString("1970-01-01T00:00:00Z")),
            k.path("user").asString(""),
            k.path("role").asString(""),
            k.path("team").asString("")));
      }
      return out;
    } catch (IOException | JacksonException | IllegalArgumentException e) {
      throw new StateException(file, "Cannot read access keys " + file + ": " + e.getMessage(), e);
    }
  }

  private void write(List<Entry> entries) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", 1);
    root.put("hash", "sha256(salt || utf8(key)), hex");
    List<Map<String, String>> keys = new ArrayList<>();
    for (Entry e : entries) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("id", e.id());
      m.put("label", e.label());
      m.put("salt", e.salt());
      m.put("hash", e.hash());
      m.put("created_at", e.createdAt().toString());
      if (!e.role().isEmpty()) {
        m.put("user", e.user());
        m.put("role", e.role());
        m.put("team", e.team());
      }
      keys.add(m);
    }
    root.put("keys", keys);
    Path parent = Objects.requireNonNull(file.toAbsolutePath().getParent(), "parent");
    try {
      Files.createDirectories(parent);
      Path tmp = parent.resolve("." + FILE_NAME + "." + Long.toHexString(RANDOM.nextLong()));
      try {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        throw new StateException(
            file, "Cannot write access keys " + file + ": " + tmp + " exists", e);
      }
      try {
        Files.writeString(
            tmp, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        try {
          Files.move(
              tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new StateException(file, "Cannot write access keys " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "AccessKeys[" + file + "]";
  }
}
