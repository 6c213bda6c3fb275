package io.nemospawn.core.internal.agent;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.core.internal.Failures;
import io.nemospawn.core.internal.FileAgents;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.runtime.ProcessTree;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.AgentRuntime.Launched;
import io.nemospawn.spi.AgentRuntime.Liveness;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Placement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
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

  private static final Set<Launched> OWNED = ConcurrentHashMap.newKeySet();
  private static volatile boolean hookInstalled;

  /** Default grace between TERM and KILL. */
  public static final Duration GRACE = Duration.ofSeconds(10);

  private final TeamContext ctx;
  private final String teamName;
  private final FileAgents agents;
  private final AgentRecords records;
  private volatile @Nullable GpuTopology topology;
  private final Set<String> spawnedHere = ConcurrentHashMap.newKeySet();
  private volatile SpawnPipeline.StepObserver stepObserver = SpawnPipeline.StepObserver.NONE;

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

  /**
   * Spawns an agent; see {@link io.nemospawn.Team#spawn}. The steps and their rollback are {@link
   * SpawnPipeline}'s; what stays here is what this handle keeps once the spawn is committed: the
   * agent among those {@link #close()} stops, the shutdown hook, and the first message typed into
   * an interactive agent.
   */
  public Agent spawn(AgentSpec spec) {
    SpawnPipeline.Spawned s = new SpawnPipeline(this, teamName, stepObserver).run(spec);
    AgentInfo agent = s.agent();
    spawnedHere.add(agent.id());
    if (!spec.detached()) {
      own(s.launched());
    }
    AgentRuntime runtime = s.plan().runtime();
    if (!s.firstMessage().isEmpty() && runtime.interactive()) {
      typeFirstMessage(runtime, s.launched(), s.firstMessage());
    }
    log.info(
        "Spawned agent {} ({}) in team {} on GPUs {} with {}",
        agent.name(),
        agent.id(),
        ctx.teamId(),
        agent.gpuIds(),
        runtime.name());
    return new FileAgent(this, agent.id());
  }

  /** Sets what is told each completed spawn step (tests inject failures with it). */
  void observeSpawnSteps(SpawnPipeline.StepObserver observer) {
    this.stepObserver = observer;
  }

  /** Returns this JVM's session id, {@code NEMOSPAWN_SESSION} of the agents it spawns. */
  static String sessionId() {
    return Session.ID;
  }

  /** Returns the team's GPUs (empty: any index may be asked for). */
  List<Integer> teamGpus() {
    return info().gpuIds();
  }

  private void typeFirstMessage(AgentRuntime runtime, Launched launched, String text) {
    try {
      // Give the CLI a moment to draw its input line; the nudge checks the text arrived.
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (System.nanoTime() < deadline && Files.size(launched.logFile()) == 0) {
        Thread.sleep(100);
      }
      if (!runtime.type(launched, text, Duration.ofSeconds(5))) {
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
   * Returns why a running agent's host cannot be reached now, as its runtime reports it; empty
   * when it can be, when the agent is not running, or when no runtime here knows it.
   */
  public Optional<String> unreachable(String id) {
    ObjectNode n = records.raw(id);
    if (!AgentRecords.LEASING.contains(AgentStatus.parse(Json.text(n, "status", "running")))) {
      return Optional.empty();
    }
    return launched(n).flatMap(l -> {
      try {
        return AgentRuntime.named(l.runtime()).unreachable(l);
      } catch (IllegalArgumentException unknown) {
        return Optional.empty();
      }
    });
  }

  /**
   * Records the GPUs a scheduler allocated to the agent (the runtime's {@link
   * AgentRuntime#allocatedGpus}) as its {@code gpu_ids}, once: the GPUs leased from the team at
   * spawn stay in {@code gpu_ids_leased}, and {@code gpus_from} names the runtime.
   */
  private void recordAllocation(AgentInfo a, AgentRuntime rt, Launched l) {
    Optional<List<Integer>> got;
    try {
      got = rt.allocatedGpus(l);
    } catch (RuntimeException e) {
      log.debug("Agent {}: the allocation cannot be read: {}", a.id(), e.toString());
      return;
    }
    if (got.isEmpty() || got.get().equals(a.gpuIds())) {
      return;
    }
    List<Integer> gpus = List.copyOf(got.get());
    records.patch(
        a.id(),
        x -> new AgentInfo(
            x.id(),
            x.teamId(),
            x.name(),
            x.role(),
            gpus,
            x.tmuxSession(),
            x.worktreePath(),
            x.task(),
            x.pid(),
            x.status(),
            x.lifecycle(),
            x.lifecycleReason(),
            x.createdAt(),
            ctx.now()),
        x -> {
          if (!x.has("gpu_ids_leased")) {
            Json.putList(x, "gpu_ids_leased", a.gpuIds());
          }
          x.put("gpus_from", rt.name());
        });
    log.info(
        "Agent {} ({}) got GPUs {} from {} (leased {})",
        a.name(),
        a.id(),
        gpus,
        rt.name(),
        a.gpuIds());
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
      AgentRuntime rt = AgentRuntime.named(x.runtime());
      rt.stop(x, grace);
      OWNED.remove(x);
      if (AgentRecords.LEASING.contains(a.status())) {
        // A job that got its GPUs and was stopped before any listing looked still shows them.
        recordAllocation(a, rt, x);
      }
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
    // Its key (auth on) dies with it, whether it was stopped or exited on its own.
    io.nemospawn.state.AccessKeys.of(ctx.layout().dataDir()).revokeUser(id);
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
      recordAllocation(a, rt, l.get());
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
    List<String> ids = List.copyOf(spawnedHere);
    spawnedHere.clear();
    Failures.forEach(ids, id -> {
      ObjectNode n = records.raw(id);
      boolean detached = n.has("detached") && n.get("detached").asBoolean(false);
      if (!detached
          && AgentRecords.LEASING.contains(AgentStatus.parse(Json.text(n, "status", "running")))) {
        stop(id, Duration.ofSeconds(5), "team closed", false);
      }
    });
  }

  /**
   * Chooses {@code count} of the free GPUs: island-aware through the machine's topology when it
   * knows every free GPU (NVLink islands first, see {@link GpuTopology#place}), else the lowest
   * free indices. GPUs that are not free count as held, so they are never chosen.
   */
  List<Integer> placeOnTopology(int count, List<Integer> free) {
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
