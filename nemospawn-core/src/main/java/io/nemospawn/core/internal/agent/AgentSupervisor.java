package io.nemospawn.core.internal.agent;

import io.nemospawn.Agent;
import io.nemospawn.AgentLaunchException;
import io.nemospawn.AgentSpec;
import io.nemospawn.ConfigKey;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.agent.Profile;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.core.internal.FileAgents;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.runtime.Exec;
import io.nemospawn.core.internal.runtime.ProcessTree;
import io.nemospawn.core.internal.runtime.TmuxRuntime;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.AgentRuntime.Launched;
import io.nemospawn.spi.AgentRuntime.Liveness;
import io.nemospawn.spi.Environment;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Placement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Spawns, finds, stops and reconciles a team's agents. Everything it knows is in the agent
 * records, so any process (the leader's JVM, a CLI call, the watch) can act on any agent.
 *
 * <p>Crash safety net: each agent records the spawning JVM's pid and start time and the
 * session ({@code NEMOSPAWN_SESSION}); agents that are not detached are stopped by {@link
 * #close()}, by a JVM shutdown hook, and, if their spawner died without either, by the next
 * {@link #reconcile()} (every spawn, every read of {@code Team.agents()} and every watch pass runs one). Thread-safe.
 */
public final class AgentSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentSupervisor.class);
  /**
   * This JVM's session id, given to its agents as {@code NEMOSPAWN_SESSION}; made on the first
   * spawn (a CLI call that spawns nothing then never seeds a SecureRandom).
   */
  private static final class Session {
    static final String ID = "sess-" + StateFormat.randomHex8();
  }

  private static final ProcessHandle SELF = ProcessHandle.current();
  private static final Set<Launched> OWNED = ConcurrentHashMap.newKeySet();
  private static volatile boolean hookInstalled;

  /** Default grace between TERM and KILL. */
  public static final Duration GRACE = Duration.ofSeconds(10);

  private final TeamContext ctx;
  private final String teamName;
  private final FileAgents agents;
  private final AgentRecords records;
  private volatile GpuTopology topology;
  private final Set<String> spawnedHere = ConcurrentHashMap.newKeySet();

  public AgentSupervisor(TeamContext ctx, String teamName, FileAgents agents) {
    this.ctx = ctx;
    this.teamName = teamName;
    this.agents = agents;
    this.records = new AgentRecords(ctx, agents);
  }

  public FileAgents agents() {
    return agents;
  }

  public AgentRecords records() {
    return records;
  }

  public TeamContext context() {
    return ctx;
  }

  /** Returns the profiles of this data directory. */
  public FileProfiles profiles() {
    return new FileProfiles(ctx.layout().dataDir(), ctx.store());
  }

  /** Returns the directory agents' logs go to. */
  public Path logsDir() {
    return ctx.dir().resolve("logs");
  }

  // ---------------------------------------------------------------- spawn

  /** Spawns an agent; see {@link io.nemospawn.Team#spawn}. */
  public Agent spawn(AgentSpec spec) {
    String runtimeName =
        spec.runtime().isEmpty() ? ctx.config().value(ConfigKey.DEFAULT_RUNTIME) : spec.runtime();
    AgentRuntime runtime = AgentRuntime.named(runtimeName);
    runtime.unavailableReason().ifPresent(why -> {
      throw new AgentLaunchException(
          spec.name(),
          spec.command(),
          -1,
          "Cannot spawn agent '" + spec.name() + "' with the " + runtimeName + " runtime: " + why,
          null);
    });
    boolean interactive = runtimeName.equals("tmux");
    Optional<Profile> profile = Optional.empty();
    if (spec.command().isEmpty()) {
      String name =
          spec.profile().isEmpty() ? ctx.config().value(ConfigKey.DEFAULT_PROFILE) : spec.profile();
      if (name.isEmpty()) {
        throw new IllegalArgumentException("Agent '" + spec.name() + "' has no command: pass"
            + " --agent-cmd CMD or --profile NAME, or set one with: nemospawn config set"
            + " default_profile NAME");
      }
      profile = Optional.of(profiles().get(name));
    }
    String program =
        profile.map(FileProfiles::program).orElseGet(() -> spec.command().get(0));
    if (Exec.which(program).isEmpty()) {
      throw new AgentLaunchException(
          spec.name(),
          spec.command(),
          -1,
          "Cannot spawn agent '"
              + spec.name() + "': command '" + program + "' is not "
              + (program.contains("/")
                  ? "an executable file"
                  : "on PATH (" + Environment.get("PATH") + ")")
              + "; install it or give its full path",
          null);
    }
    String workspaceMode = ctx.config().value(ConfigKey.WORKSPACE);
    Path repo = null;
    if (!workspaceMode.equals("never")) {
      if (spec.repo() != null) {
        repo = GitWorktrees.topLevel(spec.repo().toAbsolutePath()).orElse(null);
        if (repo == null && workspaceMode.equals("always")) {
          throw new IllegalArgumentException("--repo " + spec.repo() + " is not inside a git"
              + " repository, and the workspace setting is 'always'; pass a git repository or"
              + " run: nemospawn config set workspace auto");
        }
      } else if (workspaceMode.equals("always")) {
        throw new IllegalArgumentException("The workspace setting is 'always' but agent '"
            + spec.name() + "' has no --repo; pass --repo PATH");
      }
    }
    reconcile();
    List<Integer> pool = info().gpuIds();
    String repoText = repo == null ? "" : repo.toString();
    String runtimeText = runtimeName;
    String profileText = profile.map(Profile::name).orElse("");
    AgentInfo reserved = records.reserve(
        spec.name(),
        spec.role(),
        spec.task(),
        pool,
        spec.gpuIds(),
        spec.gpuCount(),
        this::placeOnTopology,
        n -> {
          n.put("runtime", runtimeText);
          n.put("session", Session.ID);
          n.put("owner_pid", SELF.pid());
          Json.put(n, "owner_start", ProcessTree.startOf(SELF));
          n.put("detached", spec.detached());
          n.put("profile", profileText);
          n.put("repo", repoText);
        });
    Path worktree = null;
    try {
      Path workDir = Environment.resolve(spec.repo() != null ? spec.repo() : Path.of(""));
      if (repo != null) {
        worktree = ctx.dir().resolve("workspaces").resolve(reserved.id());
        Files.createDirectories(worktree.getParent());
        GitWorktrees.create(repo, worktree, GitWorktrees.branch(ctx.teamId(), reserved.name()));
        workDir = worktree;
      }
      String promptText = PromptWriter.render(reserved, teamName, ctx.layout().dataDir(), workDir);
      Path prompt =
          PromptWriter.write(ctx.dir(), reserved, promptText, ctx.store().durability());
      List<String> argv;
      String typed = "";
      Map<String, String> env = new LinkedHashMap<>();
      boolean network = spec.network();
      if (profile.isPresent()) {
        Profile p = profile.get();
        Adapter adapter = Adapters.get(p.agent());
        Adapter.Invocation inv =
            adapter.invocation(p, promptText, prompt.toString(), spec.task(), interactive);
        argv = inv.argv();
        typed = inv.typedMessage();
        env.putAll(p.env());
        if (!p.baseUrl().isEmpty() && !adapter.baseUrlEnv().isEmpty()) {
          env.put(adapter.baseUrlEnv(), p.baseUrl());
        }
        if (!p.authEnv().isEmpty() && Environment.get(p.authEnv()) != null) {
          env.put(p.authEnv(), Environment.get(p.authEnv()));
        }
        network |= p.network();
      } else {
        argv = spec.command();
      }
      env.putAll(spec.env());
      env.put(
          "CUDA_VISIBLE_DEVICES",
          reserved.gpuIds().stream().map(String::valueOf).collect(Collectors.joining(",")));
      env.put("NEMOSPAWN_TEAM", ctx.teamId());
      env.put("NEMOSPAWN_AGENT", reserved.id());
      env.put("NEMOSPAWN_AGENT_NAME", reserved.name());
      env.put("NEMOSPAWN_ROLE", reserved.role());
      env.put("NEMOSPAWN_DATA_DIR", ctx.layout().dataDir().toString());
      env.put("NEMOSPAWN_PROMPT", prompt.toString());
      env.put("NEMOSPAWN_SESSION", Session.ID);
      Path audit = ctx.layout().auditFile();
      Path locks = ctx.layout().dataDir().resolve(".locks");
      Files.createDirectories(locks);
      if (!Files.exists(audit)) {
        try {
          Files.createFile(audit);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // Another process created it meanwhile.
        }
      }
      List<Path> writable = new ArrayList<>(List.of(workDir, ctx.dir(), audit, locks));
      AgentRuntime.Launch launch = new AgentRuntime.Launch(
          ctx.teamId(),
          reserved.id(),
          reserved.name(),
          argv,
          env,
          workDir,
          logsDir().resolve(reserved.id() + ".log"),
          logsDir().resolve(reserved.id() + ".exit"),
          writable,
          network);
      Launched launched = runtime.start(launch);
      Path wt = worktree;
      String wd = workDir.toString();
      records.patch(
          reserved.id(),
          a -> AgentRecords.with(
              a,
              AgentStatus.RUNNING,
              launched.pid(),
              launched.session(),
              wt == null ? "" : wt.toString(),
              LifecycleState.RUNNING,
              "",
              ctx.now()),
          n -> {
            Json.put(n, "pid_start", launched.startedAt());
            n.put("tmux_socket", launched.socket());
            n.put("log_path", launched.logFile().toString());
            n.put("exit_file", launched.exitFile().toString());
            n.put("prompt_path", prompt.toString());
            n.put("work_dir", wd);
            n.put("network", launch.network());
            var cmd = n.putArray("command");
            argv.forEach(cmd::add);
            Json.put(n, "started_at", ctx.now());
          });
      spawnedHere.add(reserved.id());
      if (!spec.detached()) {
        own(launched);
      }
      if (!typed.isEmpty() && runtimeName.equals("tmux")) {
        typeFirstMessage(launched, typed);
      }
      log.info(
          "Spawned agent {} ({}) in team {} on GPUs {} with {}",
          reserved.name(),
          reserved.id(),
          ctx.teamId(),
          reserved.gpuIds(),
          runtimeName);
      return new FileAgent(this, reserved.id());
    } catch (RuntimeException | IOException e) {
      String why = e.getMessage();
      try {
        records.patch(
            reserved.id(),
            a -> AgentRecords.with(
                a,
                AgentStatus.STOPPED,
                a.pid(),
                a.tmuxSession(),
                a.worktreePath(),
                LifecycleState.DEAD,
                "launch failed: " + why,
                ctx.now()),
            n -> {});
        if (worktree != null && repo != null) {
          GitWorktrees.remove(repo, worktree);
        }
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new AgentLaunchException(
          spec.name(), spec.command(), -1, "Cannot spawn agent '" + spec.name() + "': " + e, e);
    }
  }

  private void typeFirstMessage(Launched launched, String text) {
    try {
      // Give the CLI a moment to draw its input line; the nudge checks the text arrived.
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (System.nanoTime() < deadline && Files.size(launched.logFile()) == 0) {
        Thread.sleep(100);
      }
      if (!TmuxRuntime.nudge(launched, text, Duration.ofSeconds(5))) {
        log.warn(
            "Agent session {}: the first message was typed but not seen in the pane",
            launched.session());
      }
    } catch (IOException e) {
      log.warn("Agent session {}: cannot check its log: {}", launched.session(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void own(Launched launched) {
    OWNED.add(launched);
    if (!hookInstalled) {
      synchronized (AgentSupervisor.class) {
        if (!hookInstalled) {
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(AgentSupervisor::stopOwned, "nemospawn-agents-shutdown-hook"));
          hookInstalled = true;
        }
      }
    }
  }

  /** Stops every non-detached agent this JVM started (the shutdown hook). */
  static void stopOwned() {
    for (Launched l : List.copyOf(OWNED)) {
      try {
        AgentRuntime.named(l.runtime()).stop(l, Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        // Best effort while the JVM exits; the next reconcile marks the record.
      }
    }
  }

  // ---------------------------------------------------------------- find, probe, stop

  private io.nemospawn.TeamInfo info() {
    return ctx.store()
        .read(ctx.layout().teamFile(ctx.teamId()), io.nemospawn.core.internal.Codecs::team);
  }

  /** Returns a live handle on an agent. */
  public Agent handle(String idOrName) {
    return new FileAgent(this, agents.get(idOrName).id());
  }

  /** Returns what a runtime started for this agent, if one did. */
  public Optional<Launched> launched(String id) {
    return launched(records.raw(id));
  }

  static Optional<Launched> launched(ObjectNode n) {
    String runtime = Json.text(n, "runtime", "");
    JsonNode pid = n.get("pid");
    if (runtime.isEmpty() || pid == null || !pid.isNumber() || pid.asLong() <= 0) {
      return Optional.empty();
    }
    return Optional.of(new Launched(
        runtime,
        pid.asLong(),
        Json.instant(n, "pid_start", Instant.EPOCH),
        Json.text(n, "tmux_session", ""),
        Json.text(n, "tmux_socket", ""),
        Path.of(Json.text(n, "log_path", "/dev/null")),
        Path.of(Json.text(n, "exit_file", "/dev/null"))));
  }

  /** Probes an agent's process; an agent no runtime started counts as alive if its status says so. */
  public Liveness probe(String id) {
    ObjectNode n = records.raw(id);
    Optional<Launched> l = launched(n);
    if (l.isEmpty()) {
      AgentStatus s = AgentStatus.parse(Json.text(n, "status", "running"));
      return s == AgentStatus.STOPPED ? Liveness.exited(OptionalInt.empty()) : Liveness.running();
    }
    return AgentRuntime.named(l.get().runtime()).probe(l.get());
  }

  /**
   * Stops an agent's process tree and records the exit: status {@code stopped}, lifecycle {@code
   * dead} with the reason, exit code when known; its GPUs are free from then on. Idempotent.
   *
   * @param removeWorkspace whether to remove its worktree too (kill), or keep it (shutdown)
   */
  public AgentInfo stop(String idOrName, Duration grace, String reason, boolean removeWorkspace) {
    AgentInfo a = agents.get(idOrName);
    ObjectNode n = records.raw(a.id());
    Optional<Launched> l = launched(n);
    l.ifPresent(x -> {
      AgentRuntime.named(x.runtime()).stop(x, grace);
      OWNED.remove(x);
    });
    AgentInfo out = recordExit(
        a.id(),
        reason,
        l.map(x -> AgentRuntime.named(x.runtime()).probe(x))
            .map(Liveness::exitCode)
            .orElse(OptionalInt.empty()));
    if (removeWorkspace) {
      removeWorkspace(a.id());
    }
    ctx.audit("agent.stop", a.id(), Map.of("reason", reason));
    return out;
  }

  /** Removes an agent's worktree, if it has one, and prunes. */
  public void removeWorkspace(String id) {
    ObjectNode n = records.raw(id);
    String wt = Json.text(n, "worktree_path", "");
    String repo = Json.text(n, "repo", "");
    if (!wt.isEmpty() && !repo.isEmpty()) {
      GitWorktrees.remove(Path.of(repo), Path.of(wt));
      records.patch(
          id,
          a -> AgentRecords.with(
              a,
              a.status(),
              a.pid(),
              a.tmuxSession(),
              "",
              a.lifecycle(),
              a.lifecycleReason(),
              ctx.now()),
          x -> x.put("worktree_removed", wt));
    }
  }

  /** Returns whether the agent's process ended on its own rather than being stopped by us. */
  public boolean exitedOnItsOwn(String id) {
    return Json.text(records.raw(id), "exit_kind", "").equals("exited");
  }

  private AgentInfo recordExit(String id, String reason, OptionalInt code) {
    return recordExit(id, reason, code, "stopped");
  }

  private AgentInfo recordExit(String id, String reason, OptionalInt code, String kind) {
    return records.patch(
        id,
        a -> a.status() == AgentStatus.STOPPED && a.lifecycle() == LifecycleState.DEAD
            ? a
            : AgentRecords.with(
                a,
                AgentStatus.STOPPED,
                a.pid(),
                a.tmuxSession(),
                a.worktreePath(),
                LifecycleState.DEAD,
                reason,
                ctx.now()),
        x -> {
          if (!x.has("stopped_at")) {
            Json.put(x, "stopped_at", ctx.now());
            x.put("exit_kind", kind);
          }
          if (code.isPresent()) {
            x.put("exit_code", code.getAsInt());
          } else if (!x.has("exit_code")) {
            x.putNull("exit_code");
          }
        });
  }

  /** An agent whose state the reconcile changed. */
  public record Change(AgentInfo agent, String what, OptionalInt exitCode) {}

  /**
   * Marks agents whose process has ended as stopped/dead (their GPUs become free), and stops
   * orphans: agents that were not detached whose spawning JVM is gone, and agents whose shutdown
   * was approved (by any tool) but still run.
   */
  public List<Change> reconcile() {
    List<Change> changes = new ArrayList<>();
    for (AgentInfo a : agents.list().items()) {
      if (!AgentRecords.LEASING.contains(a.status())) {
        continue;
      }
      ObjectNode n;
      try {
        n = records.raw(a.id());
      } catch (RuntimeException e) {
        continue;
      }
      Optional<Launched> l = launched(n);
      if (l.isEmpty()) {
        continue;
      }
      AgentRuntime rt;
      try {
        rt = AgentRuntime.named(l.get().runtime());
      } catch (IllegalArgumentException unknown) {
        // Started by a runtime this class path lacks (another tool's): it cannot be probed here.
        log.debug("Not reconciling agent {}: {}", a.id(), unknown.getMessage());
        continue;
      }
      Liveness live = rt.probe(l.get());
      if (!live.alive()) {
        String why = live.exitCode().isPresent()
            ? "process exited with code " + live.exitCode().getAsInt()
            : "process is gone (exit code unknown)";
        changes.add(
            new Change(recordExit(a.id(), why, live.exitCode(), "exited"), why, live.exitCode()));
        continue;
      }
      if (a.lifecycle() == LifecycleState.SHUTDOWN_APPROVED) {
        AgentInfo s = stop(a.id(), GRACE, "shutdown approved: " + a.lifecycleReason(), false);
        changes.add(new Change(s, "stopped after approved shutdown", OptionalInt.empty()));
        continue;
      }
      boolean detached = n.has("detached") && n.get("detached").asBoolean(false);
      JsonNode owner = n.get("owner_pid");
      if (!detached && owner != null && owner.isNumber()) {
        Instant ownerStart = Json.instant(n, "owner_start", Instant.EPOCH);
        if (ProcessTree.find(owner.asLong(), ownerStart).isEmpty()) {
          String why = "orphaned: the JVM that spawned it (pid " + owner.asLong() + ") is gone";
          changes.add(new Change(
              stop(a.id(), Duration.ofSeconds(5), why, false), why, OptionalInt.empty()));
        }
      }
    }
    return changes;
  }

  /** Stops the non-detached agents this handle spawned (the team was closed). */
  @Override
  public void close() {
    RuntimeException first = null;
    for (String id : List.copyOf(spawnedHere)) {
      try {
        ObjectNode n = records.raw(id);
        boolean detached = n.has("detached") && n.get("detached").asBoolean(false);
        if (!detached
            && AgentRecords.LEASING.contains(
                AgentStatus.parse(Json.text(n, "status", "running")))) {
          stop(id, Duration.ofSeconds(5), "team closed", false);
        }
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    spawnedHere.clear();
    if (first != null) {
      throw first;
    }
  }

  /**
   * Chooses {@code count} of the free GPUs: island-aware through the machine's topology when it
   * knows every free GPU (NVLink islands first, see {@link GpuTopology#place}), else the lowest
   * free indices. GPUs that are not free count as held, so they are never chosen.
   */
  private List<Integer> placeOnTopology(int count, List<Integer> free) {
    GpuTopology topology = topology();
    if (topology.indices().containsAll(free) && !free.isEmpty()) {
      Set<Integer> held = new java.util.TreeSet<>(topology.indices());
      held.removeAll(free);
      try {
        Placement p = topology.place(count, held, false);
        p.warnings().forEach(w -> log.warn("Placing {} GPU(s): {}", count, w));
        return p.gpus();
      } catch (io.nemospawn.GpuUnavailableException e) {
        return List.of();
      }
    }
    return free.stream().sorted().limit(count).toList();
  }

  /**
   * The GPU topology to place on, once per team handle: the one team.json records for the team's
   * GPUs (written at creation from the machine's or the builder's topology), else the machine's,
   * probed (which may run nvidia-smi).
   */
  private GpuTopology topology() {
    GpuTopology t = topology;
    if (t == null) {
      t = recordedTopology().orElseGet(GpuTopology::detect);
      topology = t;
    }
    return t;
  }

  @SuppressWarnings("unchecked")
  private Optional<GpuTopology> recordedTopology() {
    Path file = ctx.layout().teamFile(ctx.teamId());
    ObjectNode team = ctx.store().read(file);
    JsonNode matrix = team.get("topology");
    if (matrix == null || !matrix.isObject() || matrix.isEmpty()) {
      return Optional.empty();
    }
    try {
      List<Map<String, Object>> gpus = new ArrayList<>();
      JsonNode list = team.get("gpus");
      if (list != null && list.isArray()) {
        list.forEach(g -> gpus.add(Json.toMap(g)));
      }
      Map<String, Map<String, String>> cells = Json.MAPPER.convertValue(matrix, Map.class);
      return Optional.of(GpuTopology.fromFormat(cells, gpus));
    } catch (IllegalArgumentException | ClassCastException e) {
      log.warn(
          "The GPU topology in {} cannot be read ({}); placing on the machine's topology",
          file,
          e.getMessage());
      return Optional.empty();
    }
  }
}
