package io.nemospawn.junit;

import io.nemospawn.AgentSpec;
import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.TeamBuilder;
import io.nemospawn.core.FileTrees;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.junit.internal.FakeGpuMachine;
import io.nemospawn.junit.internal.LeakCheck;
import io.nemospawn.junit.internal.TrackingNemoSpawn;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each test, or each test class, a {@link Team} in a fresh temporary data directory,
 * injects it (and its {@link NemoSpawn}, {@link Inbox}, {@link GpuTopology} and, when the test
 * asks for one, its {@link VirtualClock}) into test methods, and checks after
 * each test that nothing leaked: no team opened through the injected {@link NemoSpawn} and left
 * open, no {@code nemospawn-*} thread (event watcher, receiver) left running, no state lock held.
 *
 * <pre>{@code
 * class SweepTest {
 *   @RegisterExtension                       // static: one team for the class
 *   static final NemoSpawnExtension nemo =
 *       NemoSpawnExtension.builder().teamName("sweep").agents("trainer", "eval").build();
 *
 *   @Test void trainerGetsWork(Team team) {
 *     team.inbox().send("leader", "trainer", "go");
 *   }
 * }
 * }</pre>
 *
 * <p>A {@code static} field gives one team for the whole class; an instance field, or {@link
 * NemoSpawnTest @NemoSpawnTest}, one per test. The data directory is deleted when the scope
 * succeeded and kept, its path logged and published as the report entry {@code
 * nemospawn.dataDir}, when it failed. The extension holds no state of its own: every team lives
 * in the {@link ExtensionContext.Store} of its scope, under a namespace per extension instance,
 * and is closed by JUnit if a callback is skipped.
 *
 * <p>A test method that declares a {@link VirtualClock} parameter gets a team on a new virtual
 * clock; {@link FakeGpus @FakeGpus} on the class or method gives the team a recorded GPU machine.
 *
 * <p>Settings not given to the builder come from {@code junit-platform.properties}: {@code
 * nemospawn.durability} ({@code none} by default: tests need no fsync), {@code
 * nemospawn.leakCheck} ({@code true}) and {@code nemospawn.cleanup} ({@code on_success}, {@code
 * always} or {@code never}).
 *
 * <p>Thread-safe: the instance is immutable.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NemoSpawnExtension
    implements BeforeAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        AfterAllCallback,
        ParameterResolver {
  private static final Logger log = LoggerFactory.getLogger(NemoSpawnExtension.class);
  /** Records which extension instance owns a scope, to refuse double registration. */
  private static final Namespace OWNERS = Namespace.create(NemoSpawnExtension.class, "owners");

  private static final String SESSION = "session";
  private static final String THREADS = "threads-before";
  private static final String TEAM_MARK = "team-mark";

  /** When the temporary data directory is deleted. */
  public enum Cleanup {
    /** Delete it when the test (or class) succeeded, keep it when it failed. Default. */
    ON_SUCCESS,
    /** Always delete it. */
    ALWAYS,
    /** Never delete it (its path is logged). */
    NEVER
  }

  private final Namespace namespace = Namespace.create(NemoSpawnExtension.class, UUID.randomUUID());
  private final boolean fromBuilder;
  private final String teamName;
  private final String description;
  private final List<Integer> gpus;
  private final List<String> agents;
  private final @Nullable Durability durability;
  private final InstantSource clock;
  private final @Nullable Boolean leakCheck;
  private final @Nullable Cleanup cleanup;

  /**
   * Creates the extension with defaults, one team per test; used by {@link NemoSpawnTest} and
   * {@code @ExtendWith}.
   */
  public NemoSpawnExtension() {
    this(new Builder(), false);
  }

  private NemoSpawnExtension(Builder b, boolean fromBuilder) {
    this.fromBuilder = fromBuilder;
    this.teamName = b.teamName;
    this.description = b.description;
    this.gpus = List.copyOf(b.gpus);
    this.agents = List.copyOf(b.agents);
    this.durability = b.durability;
    this.clock = b.clock;
    this.leakCheck = b.leakCheck;
    this.cleanup = b.cleanup;
  }

  /** Returns a builder; register what it builds with {@code @RegisterExtension}. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void beforeAll(ExtensionContext context) {
    claim(context);
    if (fromBuilder) {
      // Only a static @RegisterExtension field (or PER_CLASS instances) sees beforeAll: one
      // team for the class.
      context.getStore(namespace).put(SESSION, open(context, "class"));
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(namespace);
    Session classSession = store.get(SESSION, Session.class);
    if (classSession == null || !classSession.classScope) {
      claim(context);
      store.put(SESSION, open(context, "test"));
    } else if (context
        .getTestMethod()
        .map(m -> m.isAnnotationPresent(FakeGpus.class))
        .orElse(false)) {
      throw new ExtensionConfigurationException("@FakeGpus on " + context.getDisplayName()
          + " cannot change the GPUs of the class's team, which exists already; put @FakeGpus"
          + " on the class, or use a team per test (@NemoSpawnTest or an instance field)");
    }
    store.put(THREADS, LeakCheck.nemoThreads());
    // Put above, or by beforeAll for a class-scoped team.
    Session s = Objects.requireNonNull(store.get(SESSION, Session.class), "session");
    store.put(TEAM_MARK, s.tracking.mark());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(namespace);
    Session s = store.get(SESSION, Session.class);
    if (s == null) {
      return;
    }
    @SuppressWarnings("unchecked")
    Set<Thread> before = store.get(THREADS, Set.class);
    Integer mark = store.get(TEAM_MARK, Integer.class);
    List<String> leaks = new ArrayList<>();
    if (s.classScope) {
      // The class's team stays open; only what this test opened must be closed.
      if (leakCheck(context)) {
        leaks.addAll(leaksOf(s, before, mark == null ? 0 : mark, false));
      }
    } else {
      store.remove(SESSION);
      leaks.addAll(finish(context, s, before, mark == null ? 0 : mark));
    }
    failOnLeaks(context, leaks);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(namespace);
    Session s = store.remove(SESSION, Session.class);
    if (s != null && s.classScope) {
      // Teams left open by single tests were reported after each of them.
      failOnLeaks(context, finish(context, s, s.threadsBefore, s.tracking.mark()));
    }
  }

  /** Closes a session, checks for leaks and removes or keeps its directory. */
  private List<String> finish(
      ExtensionContext context, Session s, @Nullable Set<Thread> before, int mark) {
    List<String> leaks = new ArrayList<>();
    boolean check = leakCheck(context);
    if (check) {
      // Teams the test opened and left open are leaks even though closing the handle below
      // closes them too.
      for (String id : s.tracking.openTeamsSince(mark)) {
        leaks.add("team " + id + " was opened through NemoSpawn and not closed");
      }
    }
    try {
      s.close();
    } catch (RuntimeException e) {
      leaks.add("closing the NemoSpawn handle failed: " + e);
    }
    if (check) {
      leaks.addAll(leaksOf(s, before, Integer.MAX_VALUE, true));
    }
    boolean failed = context.getExecutionException().isPresent() || !leaks.isEmpty();
    Cleanup c = cleanup(context);
    if (c == Cleanup.ALWAYS || (c == Cleanup.ON_SUCCESS && !failed)) {
      deleteTree(s.dataDir);
    } else {
      log.warn(
          "Keeping the data directory of {} for inspection: {}",
          context.getDisplayName(),
          s.dataDir);
      context.publishReportEntry("nemospawn.dataDir", s.dataDir.toString());
    }
    return leaks;
  }

  private List<String> leaksOf(Session s, @Nullable Set<Thread> before, int mark, boolean closed) {
    List<String> leaks = new ArrayList<>();
    if (!closed) {
      for (String id : s.tracking.openTeamsSince(mark)) {
        leaks.add("team " + id + " was opened through NemoSpawn and not closed");
      }
    }
    List<String> allowed = closed ? List.of() : List.of("nemospawn-" + s.team.id() + "-");
    for (String t :
        LeakCheck.newThreads(before == null ? Set.of() : before, allowed, Duration.ofSeconds(5))) {
      leaks.add("thread '" + t + "' is still running");
    }
    for (String l : LeakCheck.heldLocks(s.dataDir)) {
      leaks.add("lock " + l);
    }
    return leaks;
  }

  private static void failOnLeaks(ExtensionContext context, List<String> leaks) {
    if (leaks.isEmpty()) {
      return;
    }
    throw new AssertionError("NemoSpawn leak check failed after " + context.getDisplayName() + ": "
        + String.join("; ", leaks)
        + ". Close what you open (try-with-resources), or turn the check off with "
        + "NemoSpawnExtension.builder().leakCheck(false).");
  }

  /** Refuses a second NemoSpawnExtension in the same scope. */
  private void claim(ExtensionContext context) {
    ExtensionContext.Store owners = context.getStore(OWNERS);
    String key = "owner:" + context.getUniqueId();
    Object previous = owners.get(key);
    if (previous != null && previous != namespace) {
      throw new ExtensionConfigurationException(
          "NemoSpawnExtension is registered twice for " + context.getDisplayName()
              + "; keep one: either @NemoSpawnTest (or @ExtendWith) or a @RegisterExtension"
              + " field");
    }
    owners.put(key, namespace);
  }

  private Session open(ExtensionContext context, String scope) {
    Path dir;
    try {
      dir = Files.createTempDirectory("nemospawn-junit-");
    } catch (IOException e) {
      throw new ExtensionConfigurationException(
          "Cannot create a temporary data directory for " + context.getDisplayName() + ": " + e
              + "; check java.io.tmpdir (" + System.getProperty("java.io.tmpdir") + ")",
          e);
    }
    Set<Thread> before = LeakCheck.nemoThreads();
    InstantSource sessionClock = clockFor(context, scope);
    FakeGpuMachine gpuMachine;
    try {
      gpuMachine = FakeGpuMachine.install(context, scope);
    } catch (RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
    NemoSpawn ns;
    try {
      ns = NemoSpawn.builder()
          .dataDir(dir)
          .durability(durability(context))
          .clock(sessionClock)
          .user("junit")
          .open();
    } catch (RuntimeException e) {
      gpuMachine.close();
      deleteTree(dir);
      throw e;
    }
    TrackingNemoSpawn tracking = new TrackingNemoSpawn(ns);
    Team team;
    try {
      TeamBuilder tb = ns.newTeam(teamName).description(description);
      if (gpuMachine.topology().isPresent()) {
        GpuTopology machine = gpuMachine.topology().get();
        tb.topology(machine).gpus(gpus.isEmpty() ? machine.indices() : gpus);
      } else {
        tb.gpus(gpus);
      }
      team = tb.create();
      for (String a : agents) {
        team.agents().register(AgentSpec.builder(a).build());
      }
    } catch (RuntimeException e) {
      ns.close();
      gpuMachine.close();
      deleteTree(dir);
      throw e;
    }
    log.debug("Team {} for {} ({} scope) in {}", team.id(), context.getDisplayName(), scope, dir);
    return new Session(
        dir, tracking, team, scope.equals("class"), before, sessionClock, gpuMachine);
  }

  /**
   * Returns the clock of a new scope: the builder's, or a fresh {@link VirtualClock} when the test
   * method asks for one and the builder's is not virtual.
   */
  private InstantSource clockFor(ExtensionContext context, String scope) {
    if (clock instanceof VirtualClock || !scope.equals("test")) {
      return clock;
    }
    boolean wanted = context
        .getTestMethod()
        .map(m -> Arrays.stream(m.getParameterTypes()).anyMatch(t -> t == VirtualClock.class))
        .orElse(false);
    return wanted ? VirtualClock.create() : clock;
  }

  // ---------------------------------------------------------------- parameters

  @Override
  public boolean supportsParameter(ParameterContext pc, ExtensionContext context) {
    Class<?> type = pc.getParameter().getType();
    return type == Team.class
        || type == NemoSpawn.class
        || type == Inbox.class
        || type == VirtualClock.class
        || type == GpuTopology.class;
  }

  @Override
  public Object resolveParameter(ParameterContext pc, ExtensionContext context) {
    Session s = context.getStore(namespace).get(SESSION, Session.class);
    Parameter p = pc.getParameter();
    if (s == null) {
      throw new ExtensionConfigurationException("Cannot inject " + p.getType().getSimpleName()
          + " into " + pc.getDeclaringExecutable().getName() + ": NemoSpawnExtension gives one"
          + " team per test, which does not exist yet there; use a static @RegisterExtension"
          + " field (NemoSpawnExtension.builder().build()) for a team per class");
    }
    if (p.getType() == Team.class) {
      return s.team;
    }
    if (p.getType() == NemoSpawn.class) {
      return s.tracking.nemoSpawn();
    }
    if (p.getType() == Inbox.class) {
      return s.team.inbox();
    }
    if (p.getType() == GpuTopology.class) {
      return s.team.topology();
    }
    if (p.getType() == VirtualClock.class) {
      if (s.clock instanceof VirtualClock v) {
        return v;
      }
      throw new ExtensionConfigurationException("Cannot inject VirtualClock into "
          + pc.getDeclaringExecutable().getName() + ": the team of " + context.getDisplayName()
          + " runs on " + s.clock + "; declare a VirtualClock parameter on the test method (a"
          + " team per test), or give the extension one with"
          + " NemoSpawnExtension.builder().clock(VirtualClock.create())");
    }
    throw new ParameterResolutionException("Unsupported parameter " + p);
  }

  // ---------------------------------------------------------------- settings

  private Durability durability(ExtensionContext context) {
    if (durability != null) {
      return durability;
    }
    Optional<String> v = context.getConfigurationParameter("nemospawn.durability");
    try {
      return v.map(Durability::parse).orElse(Durability.NONE);
    } catch (IllegalArgumentException e) {
      throw new ExtensionConfigurationException(
          "Invalid nemospawn.durability in junit-platform.properties: " + e.getMessage(), e);
    }
  }

  private boolean leakCheck(ExtensionContext context) {
    if (leakCheck != null) {
      return leakCheck;
    }
    Optional<String> v = context.getConfigurationParameter("nemospawn.leakCheck");
    if (v.isEmpty()) {
      return true;
    }
    String t = v.get().trim().toLowerCase(Locale.ROOT);
    if (!t.equals("true") && !t.equals("false")) {
      throw new ExtensionConfigurationException("Invalid nemospawn.leakCheck '" + v.get()
          + "' in junit-platform.properties; use true or false");
    }
    return Boolean.parseBoolean(t);
  }

  private Cleanup cleanup(ExtensionContext context) {
    if (cleanup != null) {
      return cleanup;
    }
    Optional<String> v = context.getConfigurationParameter("nemospawn.cleanup");
    if (v.isEmpty()) {
      return Cleanup.ON_SUCCESS;
    }
    try {
      return Cleanup.valueOf(v.get().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new ExtensionConfigurationException("Invalid nemospawn.cleanup '" + v.get()
          + "' in junit-platform.properties; use on_success, always or never");
    }
  }

  private static void deleteTree(Path root) {
    List<Listing.Problem> left = FileTrees.delete(root);
    if (!left.isEmpty()) {
      log.warn("Could not delete all of the data directory {}: {}", root, left);
    }
  }

  @Override
  public String toString() {
    return "NemoSpawnExtension[team=" + teamName + ", agents=" + agents + ", durability="
        + (durability == null ? "setting" : durability) + "]";
  }

  /** A team in its data directory; closing it closes the handle (JUnit's safety net). */
  private static final class Session implements AutoCloseable {
    final Path dataDir;
    final TrackingNemoSpawn tracking;
    final Team team;
    final boolean classScope;
    final Set<Thread> threadsBefore;
    final InstantSource clock;
    final FakeGpuMachine gpus;
    private boolean closed;

    Session(
        Path dataDir,
        TrackingNemoSpawn tracking,
        Team team,
        boolean classScope,
        Set<Thread> threadsBefore,
        InstantSource clock,
        FakeGpuMachine gpus) {
      this.dataDir = dataDir;
      this.tracking = tracking;
      this.team = team;
      this.classScope = classScope;
      this.threadsBefore = threadsBefore;
      this.clock = clock;
      this.gpus = gpus;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        try {
          tracking.delegate().close();
        } finally {
          gpus.close();
        }
      }
    }
  }

  /**
   * Configures a {@link NemoSpawnExtension}. Not thread-safe; the extension it builds is.
   *
   * @since 0.1
   */
  public static final class Builder {
    private String teamName = "test";
    private String description = "";
    private List<Integer> gpus = List.of();
    private final Set<String> agents = new LinkedHashSet<>();
    private @Nullable Durability durability;
    private InstantSource clock = InstantSource.system();
    private @Nullable Boolean leakCheck;
    private @Nullable Cleanup cleanup;

    Builder() {}

    /**
     * Sets the team's name (default {@code test}).
     *
     * @throws ExtensionConfigurationException when it is not a valid name
     */
    public Builder teamName(String name) {
      Objects.requireNonNull(name, "name");
      try {
        StateFormat.requireName("team name", name);
      } catch (IllegalArgumentException e) {
        throw new ExtensionConfigurationException(
            "NemoSpawnExtension.builder().teamName(..): " + e.getMessage(), e);
      }
      this.teamName = name;
      return this;
    }

    /** Sets the team's description. */
    public Builder description(String text) {
      this.description = Objects.requireNonNull(text, "description");
      return this;
    }

    /** Sets the team's GPU indices (none needed: nothing touches hardware). */
    public Builder gpus(int... ids) {
      List<Integer> l = new ArrayList<>();
      for (int i : ids) {
        if (i < 0) {
          throw new ExtensionConfigurationException(
              "NemoSpawnExtension.builder().gpus(..): invalid GPU index " + i + "; use >= 0");
        }
        l.add(i);
      }
      this.gpus = l;
      return this;
    }

    /**
     * Registers agents with these names in the team before each scope starts.
     *
     * @throws ExtensionConfigurationException when a name is invalid or given twice
     */
    public Builder agents(String... names) {
      Set<String> seen = new HashSet<>(agents);
      for (String n : names) {
        try {
          StateFormat.requireName("agent name", n);
        } catch (IllegalArgumentException e) {
          throw new ExtensionConfigurationException(
              "NemoSpawnExtension.builder().agents(..): " + e.getMessage(), e);
        }
        if (!seen.add(n)) {
          throw new ExtensionConfigurationException(
              "NemoSpawnExtension.builder().agents(..): agent '" + n
                  + "' is given twice; agent names are unique in a team");
        }
      }
      agents.addAll(List.of(names));
      return this;
    }

    /** Sets write durability (default: {@code nemospawn.durability}, else none). */
    public Builder durability(Durability d) {
      this.durability = Objects.requireNonNull(d, "durability");
      return this;
    }

    /**
     * Sets the clock for timestamps (default: the system clock); a {@link VirtualClock} also
     * drives leases, waits and the watcher's polling.
     */
    public Builder clock(InstantSource c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Turns the leak check after each test on or off (default on). */
    public Builder leakCheck(boolean on) {
      this.leakCheck = on;
      return this;
    }

    /** Sets when the data directory is deleted (default {@link Cleanup#ON_SUCCESS}). */
    public Builder cleanup(Cleanup c) {
      this.cleanup = Objects.requireNonNull(c, "cleanup");
      return this;
    }

    /** Builds the extension. */
    public NemoSpawnExtension build() {
      return new NemoSpawnExtension(this, true);
    }

    @Override
    public String toString() {
      return "NemoSpawnExtension.Builder[team=" + teamName + ", agents=" + agents + ", gpus=" + gpus
          + "]";
    }
  }
}
