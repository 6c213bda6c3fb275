package io.nemospawn.core.internal;

import io.nemospawn.AuditLog;
import io.nemospawn.Config;
import io.nemospawn.ConfigKey;
import io.nemospawn.InvalidSettingException;
import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Principal;
import io.nemospawn.Remedied;
import io.nemospawn.StateException;
import io.nemospawn.Team;
import io.nemospawn.TeamBuilder;
import io.nemospawn.TeamInfo;
import io.nemospawn.Transport;
import io.nemospawn.core.FileTrees;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.core.internal.state.TeamEvents;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.state.Authorizer;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A data directory on the file system. Thread-safe. */
public final class FileNemoSpawn implements NemoSpawn {
  private static final Logger log = LoggerFactory.getLogger(FileNemoSpawn.class);
  /** How often watchers rescan for changes that notification missed (other hosts on NFS). */
  static final Duration POLL = Duration.ofMillis(Long.getLong("nemospawn.watch.pollMillis", 1000L));

  private final Layout layout;
  private final RecordStore store;
  private final InstantSource clock;
  private final ConfigStore config;
  private final AuditJournal audit;
  private final String user;
  private final @Nullable Transport transport;
  private final Access access;
  private final Set<FileTeam> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  FileNemoSpawn(
      Path dataDir,
      @Nullable Durability durability,
      InstantSource clock,
      @Nullable String user,
      Function<String, String> env) {
    this(dataDir, durability, clock, user, env, null);
  }

  FileNemoSpawn(
      Path dataDir,
      @Nullable Durability durability,
      InstantSource clock,
      @Nullable String user,
      Function<String, String> env,
      @Nullable Transport transport) {
    this(dataDir, durability, clock, user, env, transport, null, false);
  }

  FileNemoSpawn(
      Path dataDir,
      @Nullable Durability durability,
      InstantSource clock,
      @Nullable String user,
      Function<String, String> env,
      @Nullable Transport transport,
      @Nullable String key,
      boolean keyRequired) {
    this.transport = transport;
    this.layout = new Layout(dataDir);
    this.clock = clock;
    try {
      Files.createDirectories(layout.teamsDir());
    } catch (IOException e) {
      throw new StateException(
          dataDir,
          "Cannot create data directory " + dataDir + ": " + e + "; choose another data directory ("
              + ConfigKey.DATA_DIR.envVar() + ")",
          e);
    }
    ConfigStore bootstrap = new ConfigStore(layout, new RecordStore(Durability.FSYNC), env);
    Durability d =
        durability != null ? durability : Durability.parse(bootstrap.value(ConfigKey.DURABILITY));
    this.store = new RecordStore(d);
    this.config = new ConfigStore(layout, store, env);
    Authorizer authorizer = Authorizer.of(layout.dataDir(), env::apply);
    Principal principal = key == null ? null : authorizer.authenticate(key);
    this.access = new Access(layout, authorizer, principal, key != null || keyRequired);
    store.guard(access);
    String u = principal != null ? principal.user() : user;
    if (u == null) {
      u = config.value(ConfigKey.USER);
      if (u.isEmpty()) {
        u = Optional.ofNullable(env.apply("USER"))
            .orElse(System.getProperty("user.name", "unknown"));
      }
    }
    this.user = u;
    this.audit = new AuditJournal(layout, clock, this.user, d, auditMaxBytes(config));
    cleanTempFiles();
  }

  private static long auditMaxBytes(ConfigStore config) {
    ConfigStore.Value v = config.get(ConfigKey.AUDIT_MAX_BYTES);
    try {
      long n = Long.parseLong(v.value().trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidSettingException(
        List.of(ConfigKey.AUDIT_MAX_BYTES.key()),
        "Setting " + ConfigKey.AUDIT_MAX_BYTES.key() + " = '" + StateFormat.printable(v.value())
            + "' (from " + v.source() + ") is not a positive whole number of bytes");
  }

  @Override
  public Optional<Principal> principal() {
    return Optional.ofNullable(access.principal());
  }

  /** Refuses a change to team {@code teamId} this handle may not make (auth on, key's role). */
  public void checkTeamChange(String teamId, String what) {
    access.teamChange(teamId, what);
  }

  /** Refuses managing settings or users when this handle may not (auth on, key's role). */
  public void checkAdminister(String what) {
    access.administer(what);
  }

  /**
   * Removes temp files that crashed writers left in the data directory's own files (config,
   * profiles …). Team directories are cleaned when a team is opened ({@link #openTeam}), so that
   * a CLI call that touches one team does not walk every team's files.
   */
  private void cleanTempFiles() {
    int removed = AtomicFiles.cleanTempFiles(layout.dataDir());
    try (Stream<Path> dirs = Files.list(layout.dataDir())) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        String n = d.getFileName().toString();
        if (Files.isDirectory(d) && !n.equals("teams") && !n.startsWith(".")) {
          removed += cleanTempFilesUnder(d);
        }
      }
    } catch (IOException e) {
      log.warn("Could not clean temp files under {}: {}", layout.dataDir(), e.toString());
    }
    if (removed > 0) {
      log.info(
          "Removed {} temp files left by interrupted writes under {}", removed, layout.dataDir());
    }
  }

  /** Removes temp files of crashed writers anywhere under {@code root}, except git worktrees. */
  static int cleanTempFilesUnder(Path root) {
    int[] removed = {0};
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (dir.getFileName() != null && dir.getFileName().toString().equals("workspaces")) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          removed[0] += AtomicFiles.cleanTempFiles(dir);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      log.warn("Could not clean temp files under {}: {}", root, e.toString());
    }
    return removed[0];
  }

  public Layout layout() {
    return layout;
  }

  public RecordStore store() {
    return store;
  }

  @Override
  public Path dataDir() {
    return layout.dataDir();
  }

  @Override
  public String user() {
    return user;
  }

  @Override
  public TeamBuilder newTeam(String name) {
    StateFormat.requireIdPrefix("team name", name);
    return new Builder(name);
  }

  private final class Builder implements TeamBuilder {
    private final String name;
    private String description = "";
    private List<Integer> gpus = List.of();
    private @Nullable GpuTopology topology;

    Builder(String name) {
      this.name = name;
    }

    @Override
    public TeamBuilder description(String text) {
      this.description = java.util.Objects.requireNonNull(text, "description");
      return this;
    }

    @Override
    public TeamBuilder gpus(List<Integer> gpuIds) {
      for (Integer g : gpuIds) {
        if (g == null || g < 0) {
          throw new InvalidSettingException(
              List.of("teamGpus"), "Invalid GPU index " + g + "; use indices >= 0, e.g. 0,1");
        }
      }
      this.gpus = gpuIds.stream().distinct().sorted().toList();
      return this;
    }

    @Override
    public TeamBuilder topology(GpuTopology machine) {
      this.topology = java.util.Objects.requireNonNull(machine, "topology");
      return this;
    }

    @Override
    public Team create() {
      requireOpen();
      access.dataChange("create team " + name);
      var now = clock.instant();
      GpuTopology machine =
          topology != null ? topology : gpus.isEmpty() ? GpuTopology.empty() : GpuTopology.detect();
      if (!gpus.isEmpty() && !machine.indices().containsAll(gpus)) {
        log.warn(
            "Team {} asks for GPUs {} but the {} topology has {}; team.json records no GPU details",
            name,
            gpus,
            machine.source(),
            machine.indices());
      }
      String id = store.createWithFreshId(
          () -> StateFormat.newId(name),
          layout::teamFile,
          i -> Codecs.teamGpus(
              Codecs.team(Json.object(), new TeamInfo(i, name, description, gpus, "active", now)),
              machine,
              gpus));
      try {
        createSkeleton(id);
      } catch (IOException e) {
        throw new StateException(
            layout.teamDir(id),
            "Cannot create the subdirectories of team " + id + " in " + layout.teamDir(id) + ": "
                + e,
            e);
      }
      audit.append("team.create", id, "", Map.of("name", name, "gpu_ids", gpus));
      log.info("Created team {} in {}", id, layout.teamDir(id));
      return openTeam(id, name);
    }

    @Override
    public String toString() {
      return "TeamBuilder[name=" + name + ", gpus=" + gpus + "]";
    }
  }

  @Override
  public Team team(String idOrName) {
    Optional<Team> t = findTeam(idOrName);
    if (t.isPresent()) {
      return t.get();
    }
    List<TeamInfo> all = teams().items();
    String message =
        "No team '" + StateFormat.printable(idOrName) + "' in " + layout.dataDir() + "; teams: "
            + (all.isEmpty()
                ? "none (create one with NemoSpawn.newTeam)"
                : all.stream().map(TeamInfo::id).collect(Collectors.joining(", ")));
    throw all.isEmpty()
        ? new Remedied.NotFound(
            Remedied.Remedy.of(Remedied.Action.CREATE_TEAM, idOrName, ""), message)
        : new NoSuchElementException(message);
  }

  @Override
  public Optional<Team> findTeam(String idOrName) {
    java.util.Objects.requireNonNull(idOrName, "idOrName");
    requireOpen();
    if (StateFormat.isValidId(idOrName) && Files.isRegularFile(layout.teamFile(idOrName))) {
      TeamInfo info = store.read(layout.teamFile(idOrName), Codecs::team);
      return Optional.of(openTeam(info.id(), info.name()));
    }
    List<TeamInfo> named =
        teams().items().stream().filter(t -> t.name().equals(idOrName)).toList();
    if (named.size() > 1) {
      throw new IllegalArgumentException(
          "Team name '" + idOrName + "' is ambiguous; use one of the ids: "
              + named.stream().map(TeamInfo::id).collect(Collectors.joining(", ")));
    }
    return named.stream().findFirst().map(t -> openTeam(t.id(), t.name()));
  }

  private Team openTeam(String id, String name) {
    // Before the skeleton: a restore killed mid-swap may have moved a record directory aside.
    RestoreJournal.finishPending(layout.teamDir(id), store.durability())
        .ifPresent(
            s -> log.info("Finished the interrupted restore of snapshot {} in team {}", s, id));
    try {
      int made = createSkeleton(id);
      if (made > 0) {
        log.info(
            "Created {} missing subdirectories of team {} (NemoSpawn 1.0 needs them)", made, id);
      }
    } catch (IOException e) {
      // A read-only state directory can still be read; NemoSpawn 1.0 may refuse to write to it.
      log.warn(
          "Cannot create the missing subdirectories of team {} ({}): {}",
          id,
          String.join(", ", Layout.TEAM_SUBDIRS),
          e.toString());
    }
    int removed = cleanTempFilesUnder(layout.teamDir(id));
    if (removed > 0) {
      log.info("Removed {} temp files left by interrupted writes in team {}", removed, id);
    }
    TeamEvents events = new TeamEvents(
        id, layout.teamDir(id), store, POLL, io.nemospawn.spi.TimeSource.of(clock)::nanoTime);
    TeamContext ctx = new TeamContext(id, layout, store, clock, audit, events, config, transport);
    FileTeam[] self = new FileTeam[1];
    self[0] = new FileTeam(ctx, name, () -> open.remove(self[0]));
    open.add(self[0]);
    return self[0];
  }

  /**
   * Creates the subdirectories NemoSpawn 1.0 creates with a team ({@link Layout#TEAM_SUBDIRS}) where
   * they are missing: at creation, and on opening a team made by an older version of ours, so that
   * 1.0's commands work on every team.
   *
   * @return how many were missing
   */
  private int createSkeleton(String teamId) throws IOException {
    int made = 0;
    for (String sub : Layout.TEAM_SUBDIRS) {
      Path d = layout.teamSub(teamId, sub);
      if (!Files.isDirectory(d)) {
        Files.createDirectories(d);
        made++;
      }
    }
    return made;
  }

  @Override
  public Listing<TeamInfo> teams() {
    List<TeamInfo> items = new ArrayList<>();
    List<Listing.Problem> problems = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(layout.teamsDir())) {
      for (Path d : (Iterable<Path>) dirs.sorted()::iterator) {
        Path f = d.resolve("team.json");
        if (!Files.isDirectory(d) || d.getFileName().toString().startsWith(".")) {
          continue;
        }
        try {
          items.add(store.read(f, Codecs::team));
        } catch (NoSuchElementException e) {
          problems.add(new Listing.Problem(f, "team.json is missing"));
        } catch (StateException e) {
          problems.add(new Listing.Problem(f, RecordStore.reasonOf(e)));
        } catch (RuntimeException e) {
          problems.add(new Listing.Problem(f, Objects.toString(e.getMessage(), e.toString())));
        }
      }
    } catch (IOException e) {
      throw new StateException(layout.teamsDir(), "Cannot list " + layout.teamsDir() + ": " + e, e);
    }
    items.sort(Comparator.comparing(TeamInfo::createdAt).thenComparing(TeamInfo::id));
    return new Listing<>(items, problems);
  }

  @Override
  public void deleteTeam(String idOrName) {
    Team t = team(idOrName);
    String id = t.id();
    access.dataChange("delete team " + id);
    t.close();
    Path dir = layout.teamDir(id);
    try (StateLock lock = StateLock.acquire(layout.dataLock("teams"))) {
      // Rename first so that readers never see a half-deleted team, then remove.
      Path trash = layout.teamsDir().resolve("." + id + ".deleting-" + StateFormat.randomHex8());
      Files.move(dir, trash, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      FileTrees.deleteOrThrow(trash);
    } catch (IOException e) {
      throw new StateException(dir, "Cannot delete team " + id + " at " + dir + ": " + e, e);
    }
    audit.append("team.delete", id, "", Map.of());
    log.info("Deleted team {}", id);
  }

  @Override
  public Config config() {
    return config;
  }

  /** Returns the configuration with typed accessors, for core's own use. */
  public ConfigStore configStore() {
    return config;
  }

  @Override
  public io.nemospawn.agent.Profiles profiles() {
    return new io.nemospawn.core.internal.agent.FileProfiles(layout.dataDir(), store);
  }

  @Override
  public AuditLog audit() {
    return audit;
  }

  /** Returns the journal, for core's own appends. */
  public AuditJournal auditJournal() {
    return audit;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("NemoSpawn for " + layout.dataDir() + " is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
    Failures.forEach(List.copyOf(open), FileTeam::close);
  }

  @Override
  public String toString() {
    return "NemoSpawn[" + layout.dataDir() + (closed ? " CLOSED" : "") + " teams open="
        + open.size() + "]";
  }
}
