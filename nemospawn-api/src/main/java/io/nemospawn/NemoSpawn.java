package io.nemospawn;

import io.nemospawn.spi.Durability;
import io.nemospawn.spi.Environment;
import io.nemospawn.spi.NemoSpawnProvider;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Entry point: a handle on one NemoSpawn data directory, shared with every other process (agents'
 * CLI calls, boards, other leaders) through files and locks.
 *
 * <pre>{@code
 * try (NemoSpawn ns = NemoSpawn.open()) {            // $NEMOSPAWN_DATA_DIR or ~/.nemospawn
 *   Team team = ns.newTeam("sweep").description("lr sweep").gpus(0, 1).create();
 *   Task train = team.tasks().create("train");
 *   team.tasks().create(TaskSpec.of("eval").after(train.id()));
 *   team.inbox().send("leader", "trainer", "start with lr=3e-4");
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing it stops the threads it owns (event watchers) and closes its teams.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface NemoSpawn extends AutoCloseable {

  /** The environment variable that names the data directory. */
  String DATA_DIR_ENV = "NEMOSPAWN_DATA_DIR";

  /** Opens the default data directory: {@code $NEMOSPAWN_DATA_DIR}, else {@code ~/.nemospawn}. */
  static NemoSpawn open() {
    return builder().open();
  }

  /** Opens the given data directory, creating it if needed. */
  static NemoSpawn open(Path dataDir) {
    return builder().dataDir(dataDir).open();
  }

  /** Returns a builder for a data directory with non-default settings. */
  /**
   * Connects to a control plane ({@code nemospawn serve}) and returns the same interfaces as the
   * embedded library, backed by {@code nemospawn.v1} calls. Needs {@code nemospawn-server} on
   * the class path.
   *
   * @param url {@code tcp://host:port}
   * @param key the access key the server printed (read it from a file or the environment, never
   *     from a command line)
   * @throws IllegalStateException when no client is on the class path
   */
  static NemoSpawn connect(java.net.URI url, String key) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(key, "key");
    List<io.nemospawn.spi.RemoteProvider> providers = new java.util.ArrayList<>();
    ServiceLoader.load(io.nemospawn.spi.RemoteProvider.class, NemoSpawn.class.getClassLoader())
        .forEach(providers::add);
    if (providers.isEmpty()) {
      ServiceLoader.load(io.nemospawn.spi.RemoteProvider.class).forEach(providers::add);
    }
    if (providers.isEmpty()) {
      throw new IllegalStateException("No NemoSpawn control-plane client on the class path to"
          + " connect to " + url + "; add io.nemospawn:nemospawn-server.");
    }
    return providers.get(0).connect(url, key);
  }

  static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the data directory named by the environment, else {@code ~/.nemospawn}. Does not
   * touch the file system.
   */
  static Path defaultDataDir() {
    String env = Environment.get(DATA_DIR_ENV);
    if (env != null && !env.isBlank()) {
      return Environment.resolve(Path.of(env));
    }
    return Path.of(System.getProperty("user.home"), ".nemospawn");
  }

  /** Returns the data directory. */
  Path dataDir();

  /** Starts configuring a new team in this data directory; {@link TeamBuilder#create()} makes it. */
  TeamBuilder newTeam(String name);

  /**
   * Opens an existing team by id, or by name when exactly one team has that name.
   *
   * @throws java.util.NoSuchElementException naming the known teams when there is none
   * @throws IllegalArgumentException when the name is ambiguous or not a valid id
   */
  Team team(String idOrName);

  /** Opens an existing team by id or unique name, if there is one. */
  Optional<Team> findTeam(String idOrName);

  /** Lists the teams; unreadable team records are in {@link Listing#problems()}. */
  Listing<TeamInfo> teams();

  /**
   * Deletes a team and everything under its directory.
   *
   * @throws java.util.NoSuchElementException when there is no such team
   */
  void deleteTeam(String idOrName);

  /** Returns the configuration: environment, then {@code config.json}, then defaults. */
  Config config();

  /**
   * Returns the agent profiles of this data directory ({@code profiles/<name>.json}).
   *
   * @since 0.1
   */
  io.nemospawn.agent.Profiles profiles();

  /** Returns the audit log of every mutation in this data directory. */
  AuditLog audit();

  /** Returns the user recorded in audit entries. */
  String user();

  /**
   * Returns who this handle acts for: the owner of the key it was opened with ({@link
   * Builder#key(String)}), or empty when it was opened without one.
   *
   * @since 0.1
   */
  default Optional<Principal> principal() {
    return Optional.empty();
  }

  /** Closes the teams opened through this handle and stops its threads. Idempotent. */
  @Override
  void close();

  /**
   * Configures how a data directory is opened. Not thread-safe; the {@link NemoSpawn} it opens is.
   */
  final class Builder {
    private @Nullable Path dataDir;
    private @Nullable Durability durability;
    private InstantSource clock = InstantSource.system();
    private @Nullable String user;
    private @Nullable Transport transport;
    private @Nullable String key;
    private boolean keyRequired;

    Builder() {}

    /**
     * Acts as the owner of an access key (read from a file or the environment, never from a
     * command line): when the {@code auth} setting is on, every change is checked against the
     * key's role and team, and refused with {@link AccessDeniedException}; the audit log records
     * the key's user. {@link #open()} refuses an unknown or revoked key.
     *
     * @since 0.1
     */
    public Builder key(String key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * Treats a handle opened without a {@linkplain #key(String) key} as a viewer when the {@code
     * auth} setting is on: reads work, changes are refused. Without this, a handle without a key
     * is the data directory's owner and is not checked (it can write the files anyway). The CLI
     * sets it.
     *
     * @since 0.1
     */
    public Builder keyRequired() {
      this.keyRequired = true;
      return this;
    }

    /** Sets the data directory; default {@link NemoSpawn#defaultDataDir()}. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** Sets how hard writes go to disk; default: the {@code durability} setting, else fsync. */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    /**
     * Sets the clock for timestamps and leases; default the system clock. A {@link
     * io.nemospawn.spi.TimeSource} also drives the library's waits, timeouts and polling (a
     * simulated clock in tests); any other {@link InstantSource} only stamps, and waits run on
     * real time.
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Sets the user recorded in the audit log; default the {@code user} setting, else $USER. */
    public Builder user(String user) {
      this.user = Objects.requireNonNull(user, "user");
      return this;
    }

    /**
     * Sets the message transport of every team opened through this handle. Precedence, first
     * wins: this method, then the {@value Transport#ENV} environment variable, then the {@code
     * transport} (and {@code zmq_bind}) setting in {@code config.json}, then {@link
     * Transport#auto()}. The choice is not written anywhere: other processes (agents, the CLI)
     * keep following the environment and the setting. Whatever is chosen, every message is also
     * written to the recipient's inbox directory.
     *
     * @since 0.1
     */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Opens the data directory, creating it if needed, and removes temp files left by crashed
     * writers.
     *
     * @throws IllegalStateException when no runtime is on the class path
     * @throws StateException when the directory cannot be created or written
     */
    public NemoSpawn open() {
      Path dir = dataDir != null ? dataDir : defaultDataDir();
      List<NemoSpawnProvider> providers = new java.util.ArrayList<>();
      ServiceLoader.load(NemoSpawnProvider.class, NemoSpawn.class.getClassLoader())
          .forEach(providers::add);
      if (providers.isEmpty()) {
        ServiceLoader.load(NemoSpawnProvider.class).forEach(providers::add);
      }
      if (providers.isEmpty()) {
        throw new IllegalStateException(
            "No NemoSpawn runtime on the class path or module path; add io.nemospawn:nemospawn-core.");
      }
      return providers
          .get(0)
          .open(
              dir.toAbsolutePath().normalize(),
              durability,
              clock,
              user,
              transport,
              key,
              keyRequired);
    }

    @Override
    public String toString() {
      return "NemoSpawn.Builder[dataDir=" + (dataDir == null ? defaultDataDir() : dataDir)
          + ", durability=" + (durability == null ? "setting" : durability)
          + ", transport=" + (transport == null ? "setting" : transport.configName()) + "]";
    }
  }
}
