package io.nemospawn.state;

import io.nemospawn.AccessRole;
import io.nemospawn.Principal;
import io.nemospawn.StateException;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The users of a data directory: one record per user, {@code <data dir>/auth/<user>.json}, in
 * NemoSpawn 1.0's format ({@code username, api_key_hash, namespace, teams, role}) plus {@code
 * created_at} and {@code revoked}. The key itself lives only as a salted hash in {@link
 * AccessKeys}; {@code api_key_hash} is left empty, so 1.0's unsalted hash is never written.
 * Records that 1.0 wrote (an unsalted {@code api_key_hash}) are read and can be {@linkplain
 * #verifyLegacy verified}, but their keys do not authenticate: such users are created again.
 * Thread-safe per process; records are written atomically with mode 0600.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Users {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final Path dir;
  private final AccessKeys keys;

  private Users(Path dataDir) {
    this.dir = dataDir.resolve("auth");
    this.keys = AccessKeys.of(dataDir);
  }

  /** Returns the users of a data directory; touches no file. */
  public static Users of(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    return new Users(dataDir);
  }

  /**
   * One user.
   *
   * @param name the user name
   * @param role the role
   * @param team the team the user's key is limited to, or empty
   * @param createdAt when, or the epoch when unknown (1.0 records)
   * @param revoked whether the user's keys were revoked
   * @param legacy whether 1.0 wrote the record (an unsalted key hash that does not authenticate)
   */
  public record User(
      String name,
      AccessRole role,
      String team,
      Instant createdAt,
      boolean revoked,
      boolean legacy) {}

  /**
   * A new user and its key, which is shown once and stored only as a salted hash.
   *
   * @param user the user
   * @param key the key
   */
  public record Created(User user, String key) {
    @Override
    public String toString() {
      return "Created[" + user + ", key=(hidden)]";
    }
  }

  /**
   * Creates a user with a new key (256 random bits). A revoked user of the same name is
   * replaced.
   *
   * @param team the team to limit the key to, or an empty string (required for agents)
   * @throws IllegalArgumentException when the name is not valid or the user exists
   * @throws StateException when the records cannot be written
   */
  public synchronized Created create(String name, AccessRole role, String team) {
    StateFormat.requireName("user name", name);
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(team, "team");
    if (!team.isEmpty()) {
      StateFormat.requireId("team id", team);
    }
    Optional<User> existing = find(name);
    if (existing.isPresent() && !existing.get().revoked()) {
      throw new IllegalArgumentException("User '" + name + "' exists (role "
          + existing.get().role().wireName() + "); revoke it first to issue a new key");
    }
    Principal scope = new Principal(name, role, team);
    keys.revokeUser(name);
    String key = keys.generate("user:" + name, scope);
    Instant now = Instant.now();
    write(name, role, team, now, false);
    return new Created(new User(name, role, team, now, false, false), key);
  }

  /**
   * Revokes a user's keys and marks the record revoked.
   *
   * @return how many keys were removed
   * @throws java.util.NoSuchElementException when there is no such user
   */
  public synchronized int revoke(String name) {
    StateFormat.requireName("user name", name);
    User u = find(name)
        .orElseThrow(() -> new java.util.NoSuchElementException(
            "No user '" + name + "' in " + dir + "; the users are: " + names()));
    int removed = keys.revokeUser(name);
    write(name, u.role(), u.team(), u.createdAt(), true);
    return removed;
  }

  private List<String> names() {
    return list().stream().map(User::name).toList();
  }

  /** Returns the user of that name, if its record exists. */
  public Optional<User> find(String name) {
    StateFormat.requireName("user name", name);
    Path f = dir.resolve(name + ".json");
    try {
      return Optional.of(parse(f, Files.readString(f, StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StateException(f, "Cannot read user record " + f + ": " + e, e);
    }
  }

  /** Returns every user, by name; unreadable records are reported as errors. */
  public List<User> list() {
    List<User> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.sorted().toList()) {
        String n = f.getFileName().toString();
        if (n.endsWith(".json") && !n.startsWith(".")) {
          out.add(parse(f, Files.readString(f, StandardCharsets.UTF_8)));
        }
      }
    } catch (IOException e) {
      throw new StateException(dir, "Cannot list users in " + dir + ": " + e, e);
    }
    return out;
  }

  /**
   * Returns the 1.0 user whose unsalted SHA-256 {@code api_key_hash} matches {@code key}: such a
   * key was issued by NemoSpawn 1.0 and does not authenticate here.
   */
  public Optional<User> verifyLegacy(String key) {
    String h;
    try {
      h = HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256")
              .digest(key.strip().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    for (User u : list()) {
      if (!u.legacy()) {
        continue;
      }
      Path f = dir.resolve(u.name() + ".json");
      try {
        String stored =
            MAPPER.readTree(Files.readString(f)).path("api_key_hash").asString("");
        if (MessageDigest.isEqual(
            stored.getBytes(StandardCharsets.UTF_8), h.getBytes(StandardCharsets.UTF_8))) {
          return Optional.of(u);
        }
      } catch (IOException | JacksonException e) {
        throw new StateException(f, "Cannot read user record " + f + ": " + e.getMessage(), e);
      }
    }
    return Optional.empty();
  }

  private static User parse(Path f, String text) {
    try {
      JsonNode n = MAPPER.readTree(text);
      String name = n.path("username").asString("");
      if (name.isEmpty()) {
        throw new StateException(f, "User record " + f + " has no \"username\"; fix or remove it");
      }
      String roleName = n.path("role").asString("user");
      AccessRole role = AccessRole.find(roleName)
          .orElseThrow(() -> new StateException(
              f,
              "User record " + f + " has the unknown role '" + StateFormat.printable(roleName)
                  + "'; use admin, user, viewer or agent"));
      JsonNode teams = n.path("teams");
      String team = teams.isArray() && !teams.isEmpty() ? teams.get(0).asString("") : "";
      String created = n.path("created_at").asString("");
      Instant at = created.isEmpty() ? Instant.EPOCH : StateFormat.parseTimestamp(created);
      boolean legacy = !n.path("api_key_hash").asString("").isEmpty();
      return new User(name, role, team, at, n.path("revoked").asBoolean(false), legacy);
    } catch (JacksonException | IllegalArgumentException | java.time.DateTimeException e) {
      throw new StateException(f, "Cannot read user record " + f + ": " + e.getMessage(), e);
    }
  }

  private void write(
      String name, AccessRole role, String team, Instant createdAt, boolean revoked) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("username", name);
    m.put("api_key_hash", "");
    m.put("namespace", "default");
    m.put("teams", team.isEmpty() ? List.of() : List.of(team));
    m.put("role", role.wireName());
    m.put("created_at", StateFormat.formatTimestamp(createdAt));
    m.put("revoked", revoked);
    m.put("key_store", AccessKeys.FILE_NAME);
    Path f = dir.resolve(name + ".json");
    try {
      Files.createDirectories(dir);
      AtomicFiles.writeOwnerOnly(
          f,
          (MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n")
              .getBytes(StandardCharsets.UTF_8),
          Durability.FSYNC);
    } catch (IOException e) {
      throw new StateException(f, "Cannot write user record " + f + ": " + e, e);
    }
  }
}
