package io.nemospawn.server.swarm;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Codeswarm's swarms on NemoSpawn teams, as a library service: a swarm is a team (its {@code
 * job_id} is the team id), its nodes are the team's agents ({@code node_id} is the agent's index,
 * stable). Launch, list, status, inject, terminate; execution approvals; the inter-swarm queue.
 * Everything it decides is sent to the {@link Listener} as Codeswarm events ({@code
 * codeswarm.md} §2.5-2.6) and kept in {@code <data>/swarms/state.json} (owner-only), so a restart
 * keeps swarms, pending approvals and queued items.
 *
 * <pre>{@code
 * try (Swarms swarms = Swarms.open(ns, (event, data) -> System.out.println(event + " " + data))) {
 *   String swarmId = swarms.launch(Swarms.LaunchRequest.mock(3), "req-1").path("swarm_id").asString();
 *   swarms.inject(swarmId, List.of(1), "hello", "req-2");
 *   swarms.terminate(swarmId, false, true, "req-3");
 * }
 * }</pre>
 *
 * <p>Errors are {@link IllegalArgumentException}s (unknown swarm, node out of range, bad payload)
 * whose message names the value; the wire handler turns them into {@code command_rejected}.
 * Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Swarms implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Swarms.class);

  /** The largest swarm this service launches. */
  public static final int MAX_NODES = 64;

  /** How long a prompt may wait for its delivery receipt before {@code inject_failed}. */
  public static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

  /** Receives every event, in order per swarm. */
  @FunctionalInterface
  public interface Listener {
    /**
     * One event.
     *
     * @param event the event name, e.g. {@code inject_ack}
     * @param data the event's data
     */
    void event(String event, ObjectNode data);
  }

  /**
   * What to launch.
   *
   * @param nodes how many nodes (1..{@value #MAX_NODES})
   * @param provider the provider id ({@code mock}, {@code local}, ...)
   * @param systemPrompt the first prompt injected into each node (empty: none)
   * @param persona the AGENTS.md and skills delivered into each node's worktree
   * @param params provider parameters ({@code command}, {@code channel}, {@code runtime}, {@code
   *     agent_model}, {@code pricing_model}, {@code mock_delay_ms})
   */
  public record LaunchRequest(
      int nodes, String provider, String systemPrompt, Personas persona, ObjectNode params) {
    /** Checks the parts. */
    public LaunchRequest {
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(systemPrompt, "systemPrompt");
      Objects.requireNonNull(persona, "persona");
      Objects.requireNonNull(params, "params");
    }

    /** A mock swarm of {@code nodes} nodes with no prompt or persona. */
    public static LaunchRequest mock(int nodes) {
      return new LaunchRequest(nodes, "mock", "", new Personas("", Map.of()), SwarmJson.obj());
    }
  }

  private static final class Node {
    final int id;
    final String agentId;
    final Path dir;
    final String channel;
    volatile long offset;
    volatile int outstanding;

    Node(int id, String agentId, Path dir, String channel) {
      this.id = id;
      this.agentId = agentId;
      this.dir = dir;
      this.channel = channel;
    }
  }

  private static final class Swarm {
    final ObjectNode record;
    final List<Node> nodes = new ArrayList<>();
    volatile boolean forceRequested;

    Swarm(ObjectNode record) {
      this.record = record;
    }

    String id() {
      return record.path("swarm_id").asString();
    }

    String status() {
      return record.path("status").asString();
    }
  }

  private record Pending(String swarmId, int nodeId, String requestId, Instant deadline) {}

  private final NemoSpawn ns;
  private final Listener listener;
  private final Path root;
  private final Path stateFile;
  private final UsagePricing pricing;
  private final Map<String, Swarm> swarms = new LinkedHashMap<>();
  private final Map<String, ObjectNode> approvals = new LinkedHashMap<>();
  private final List<ObjectNode> queue = new ArrayList<>();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  // project_id/task_id of injections that carry a project task, copied onto their events; the
  // newest MAX_TAGGED are kept (a turn's events come within minutes of its injection)
  private final Map<String, ObjectNode> injectionTags =
      java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ObjectNode> eldest) {
          return size() > MAX_TAGGED;
        }
      });
  private static final int MAX_TAGGED = 10_000;
  private final ScheduledExecutorService poller;
  private final ExecutorService work = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "swarms-work");
    t.setDaemon(true);
    return t;
  });
  private long approvalsVersion;
  private final List<Listener> observers = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Swarms(NemoSpawn ns, Listener listener, UsagePricing pricing) throws IOException {
    this.ns = ns;
    this.listener = (event, data) -> {
      listener.event(event, data);
      for (Listener o : observers) {
        o.event(event, data.deepCopy());
      }
    };
    this.pricing = pricing;
    this.root = ns.dataDir().resolve("swarms");
    this.stateFile = root.resolve("state.json");
    Files.createDirectories(root);
    load();
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "swarms-outbox");
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(this::pollSafely, 20, 20, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens the service on {@code ns}'s data directory, reloading persisted swarms, approvals and
   * the queue. Usage events are priced with the data directory's pricing file ({@code
   * nemospawn cost}'s, {@link UsagePricing#of}).
   */
  public static Swarms open(NemoSpawn ns, Listener listener) throws IOException {
    return new Swarms(
        ns, listener, UsagePricing.of(io.nemospawn.core.cost.Pricing.load(ns.dataDir())));
  }

  /** Opens the service with a pricing seam for {@code usage} events. */
  public static Swarms open(NemoSpawn ns, Listener listener, UsagePricing pricing)
      throws IOException {
    return new Swarms(ns, listener, pricing);
  }

  /**
   * Adds an observer that gets a copy of every event after the service's listener (e.g. {@link
   * AutoRouter}); it must return quickly and must not call back into this service on its thread.
   */
  public void addListener(Listener observer) {
    observers.add(Objects.requireNonNull(observer, "observer"));
  }

  // ------------------------------------------------------------------ providers

  /** Returns the provider specs of {@code providers_list} (codeswarm.md §2.5). */
  public ArrayNode providers() {
    ArrayNode out = SwarmJson.MAPPER.createArrayNode();
    out.add(provider("mock", "Mock agents (no LLM)", "mock", null, "mock_delay_ms"));
    out.add(provider(
        "local",
        "Local agents (tmux / process / sandbox)",
        "local",
        null,
        "command",
        "channel",
        "runtime",
        "agent_model",
        "pricing_model"));
    out.add(provider(
        "ssh",
        "SSH hosts",
        "ssh",
        runtimeUnavailable("ssh"),
        "command",
        "cluster",
        "agent_model",
        "pricing_model"));
    out.add(provider(
        "slurm",
        "Slurm cluster (one SLURM job per node)",
        "slurm",
        runtimeUnavailable("slurm"),
        "command",
        "channel",
        "partition",
        "gpus",
        "time",
        "agent_model",
        "pricing_model"));
    return out;
  }

  /**
   * Why the ssh or slurm provider cannot launch: no agent runtime of that name on the class path
   * (nemospawn-cluster provides both, found through ServiceLoader), or its tools missing.
   */
  private static @Nullable String runtimeUnavailable(String name) {
    for (io.nemospawn.spi.AgentRuntime r : io.nemospawn.spi.AgentRuntime.all()) {
      if (r.name().equals(name)) {
        return r.unavailableReason().orElse(null);
      }
    }
    return "No " + name + " agent runtime on the class path (issue 16): add"
        + " io.nemospawn:nemospawn-cluster";
  }

  private static ObjectNode provider(
      String id, String label, String backend, @Nullable String disabled, String... fields) {
    ObjectNode p = SwarmJson.obj()
        .put("id", id)
        .put("label", label)
        .put("backend", backend)
        .put("provider_ref", backend);
    p.putNull("cluster_profile");
    ObjectNode defaults = p.putObject("defaults");
    if (backend.equals("local")) {
      defaults.put("runtime", "process").put("channel", "auto");
    }
    ArrayNode lf = p.putArray("launch_fields");
    for (String f : fields) {
      lf.addObject()
          .put("key", f)
          .put("label", f.replace('_', ' '))
          .put("type", f.equals("command") ? "string[]" : "string");
    }
    p.putArray("launch_panels");
    p.put("launch_soft_timeout_seconds", 60).put("launch_hard_timeout_seconds", 300);
    p.put("disabled", disabled != null);
    if (disabled != null) {
      p.put("disabled_reason", disabled);
    } else {
      p.putNull("disabled_reason");
    }
    return p;
  }

  // ------------------------------------------------------------------ launch

  /**
   * Launches a swarm: a team with one agent per node, each in its own worktree holding the persona,
   * with {@code swarm_launch_progress} events, then {@code swarm_launched}, then the system prompt
   * injected into every node.
   *
   * @return the {@code swarm_launched} data
   * @throws IllegalArgumentException for an unknown or disabled provider or bad parameters
   */
  public ObjectNode launch(LaunchRequest req, String requestId) throws IOException {
    if (req.nodes() < 1 || req.nodes() > MAX_NODES) {
      throw new IllegalArgumentException("nodes must be 1.." + MAX_NODES + ", not " + req.nodes());
    }
    ObjectNode spec = null;
    for (JsonNode p : providers()) {
      if (p.path("id").asString().equals(req.provider())) {
        spec = (ObjectNode) p;
      }
    }
    if (spec == null) {
      throw new IllegalArgumentException("Unknown provider '"
          + NodeSelector.printable(req.provider()) + "'; known providers: mock, local, ssh, slurm");
    }
    if (spec.path("disabled").asBoolean()) {
      throw new IllegalArgumentException("Provider '" + req.provider() + "' is disabled: "
          + spec.path("disabled_reason").asString());
    }
    ObjectNode params = req.params();
    boolean ssh = req.provider().equals("ssh");
    boolean slurm = req.provider().equals("slurm");
    // ssh and slurm agents run under the runtime of that name; local ones under the one chosen
    String runtime = ssh || slurm ? req.provider() : params.path("runtime").asString("process");
    if (!ssh && !slurm && !runtime.matches("tmux|process|sandbox")) {
      throw new IllegalArgumentException("provider_params.runtime must be tmux, process or sandbox,"
          + " not '" + NodeSelector.printable(runtime) + "'");
    }
    List<String> command = new ArrayList<>();
    String channel = "mock";
    String cluster = params.path("cluster").asString("");
    if (ssh
        && !cluster.matches(
            "[A-Za-z0-9][A-Za-z0-9._-]{0,63}|[A-Za-z_][A-Za-z0-9._-]*@[A-Za-z0-9.:-]+")) {
      throw new IllegalArgumentException("provider_params.cluster must name a registered cluster"
          + " (or user@host), not '" + NodeSelector.printable(cluster) + "'");
    }
    if (req.provider().equals("local") || ssh || slurm) {
      JsonNode c = params.path("command");
      if (!c.isArray() || c.isEmpty()) {
        throw new IllegalArgumentException(
            "provider_params.command must be a non-empty array of strings (the agent CLI's argv)");
      }
      c.forEach(x -> command.add(x.asString("")));
      channel = ssh ? "inbox" : params.path("channel").asString("auto");
      if (channel.equals("auto")) {
        String exe = Path.of(command.get(0)).getFileName().toString();
        channel = exe.equals("claude")
            ? "claude-stream-json"
            : exe.equals("codex") ? "codex-app-server" : runtime.equals("tmux") ? "tmux" : "inbox";
      }
      if (!channel.matches("codex-app-server|claude-stream-json|tmux|inbox")) {
        throw new IllegalArgumentException("provider_params.channel must be auto,"
            + " codex-app-server, claude-stream-json, tmux or inbox, not '"
            + NodeSelector.printable(channel) + "'");
      }
      if (channel.equals("tmux") && !runtime.equals("tmux")) {
        throw new IllegalArgumentException(
            "provider_params.channel tmux needs provider_params.runtime tmux");
      }
    }
    String swarmId = UUID.randomUUID().toString();
    String providerId = req.provider();
    progress(requestId, providerId, "queued", "launch of " + req.nodes() + " node(s) accepted");
    Team team = ns.newTeam("swarm-" + swarmId.substring(0, 8))
        .description("Codeswarm swarm " + swarmId)
        .create();
    progress(requestId, providerId, "provision", "team " + team.id() + " created");
    Path swarmDir = root.resolve(swarmId);
    Path repo = swarmDir.resolve("repo");
    Files.createDirectories(repo);
    req.persona().writeTo(repo);
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", "-A");
    git(
        repo,
        "-c",
        "user.name=nemospawn",
        "-c",
        "user.email=nemospawn@localhost",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "swarm " + swarmId + ": persona");
    progress(
        requestId,
        providerId,
        "config",
        "persona written (AGENTS.md "
            + (req.persona().agentsMd().isEmpty() ? "none" : "present") + ", "
            + req.persona().skills().size() + " skills file(s))");
    String model = params.path("agent_model").asString(req.provider().equals("mock") ? "mock" : "");
    ObjectNode record = SwarmJson.obj()
        .put("swarm_id", swarmId)
        .put("job_id", team.id())
        .put("node_count", req.nodes())
        .put("system_prompt", req.systemPrompt())
        .put("status", "running")
        .put("agent_runtime", req.provider().equals("mock") ? "mock" : channel)
        .put("agent_model", model)
        .put("pricing_model", params.path("pricing_model").asString(model))
        .put("provider", spec.path("provider_ref").asString())
        .put("provider_backend", spec.path("backend").asString())
        .put("provider_id", providerId)
        .put("runtime", runtime)
        .put("launched_at", Instant.now().toString());
    record.set("provider_params", params.deepCopy());
    Swarm swarm = new Swarm(record);
    ArrayNode nodesJson = record.putArray("nodes");
    progress(requestId, providerId, "starting", "spawning " + req.nodes() + " agent(s)");
    try {
      for (int i = 0; i < req.nodes(); i++) {
        Path nodeDir = swarmDir.resolve("nodes").resolve(String.format("%02d", i));
        Files.createDirectories(nodeDir);
        List<String> argv;
        if (channel.equals("tmux") || channel.equals("inbox")) {
          argv = command;
        } else {
          argv = new ArrayList<>(bridgeCommand());
          argv.addAll(List.of("--node-dir", nodeDir.toString(), "--channel", channel));
          if (!command.isEmpty()) {
            argv.add("--");
            argv.addAll(command);
          }
        }
        AgentSpec.Builder b = AgentSpec.builder("node-" + i)
            .command(argv)
            .runtime(runtime)
            .repo(repo)
            .env("NEMOSPAWN_SWARM_ID", swarmId)
            .env("NEMOSPAWN_SWARM_NODE", String.valueOf(i));
        if (ssh) {
          b.env("NEMOSPAWN_CLUSTER", cluster); // the ssh runtime's host (SshRuntime.TARGET_ENV)
        }
        if (slurm) {
          // The slurm runtime's settings; it checks them (partition, time, GPUs) on submit.
          for (String[] k : new String[][] {
            {"partition", "NEMOSPAWN_SLURM_PARTITION"},
            {"time", "NEMOSPAWN_SLURM_TIME"},
            {"gpus", "NEMOSPAWN_SLURM_GPUS"}
          }) {
            if (!params.path(k[0]).isMissingNode() && !params.path(k[0]).isNull()) {
              b.env(k[1], params.path(k[0]).asString(""));
            }
          }
        }
        if (params.path("mock_delay_ms").canConvertToLong()) {
          b.env(
              "NEMOSPAWN_MOCK_DELAY_MS",
              String.valueOf(params.path("mock_delay_ms").asLong()));
        }
        Agent agent = team.spawn(b.build());
        swarm.nodes.add(new Node(i, agent.id(), nodeDir, channel));
        nodesJson
            .addObject()
            .put("node_id", i)
            .put("agent_id", agent.id())
            .put("node_dir", nodeDir.toString())
            .put("channel", channel)
            .put("worktree", agent.info().worktreePath());
      }
    } catch (RuntimeException e) {
      for (Node n : swarm.nodes) {
        team.agent(n.agentId).stop(Duration.ofSeconds(2));
      }
      throw e;
    }
    progress(requestId, providerId, "ready", "all nodes started");
    synchronized (this) {
      swarms.put(swarmId, swarm);
      save();
    }
    ObjectNode launched = SwarmJson.obj()
        .put("request_id", requestId)
        .put("swarm_id", swarmId)
        .put("job_id", team.id())
        .put("node_count", req.nodes())
        .put("provider", spec.path("provider_ref").asString())
        .put("provider_id", providerId)
        .put("agent_runtime", record.path("agent_runtime").asString())
        .put("agent_model", model)
        .put("pricing_model", record.path("pricing_model").asString());
    launched.putNull("claude_env_profile");
    listener.event("swarm_launched", launched);
    if (!req.systemPrompt().isEmpty()) {
      inject(swarmId, null, req.systemPrompt(), requestId);
    }
    return launched;
  }

  private void progress(String requestId, String providerId, String stage, String message) {
    listener.event(
        "swarm_launch_progress",
        SwarmJson.obj()
            .put("request_id", requestId)
            .put("provider", providerId)
            .put("provider_id", providerId)
            .put("stage", stage)
            .put("message", message)
            .put("timestamp", Instant.now().toString()));
  }

  private static List<String> bridgeCommand() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(
        java,
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-cp",
        absoluteClassPath(),
        NodeBridge.class.getName());
  }

  /** The class path with every entry absolute: nodes start in their own worktrees. */
  private static String absoluteClassPath() {
    String sep = java.io.File.pathSeparator;
    List<String> out = new ArrayList<>();
    for (String e :
        System.getProperty("java.class.path").split(java.util.regex.Pattern.quote(sep))) {
      if (!e.isEmpty()) {
        out.add(Path.of(e).toAbsolutePath().toString());
      }
    }
    return String.join(sep, out);
  }

  private static void git(Path dir, String... args) throws IOException {
    List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("git " + String.join(" ", args) + " failed in " + dir + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  // ------------------------------------------------------------------ list / status / lookup

  /** Returns every swarm's record ({@code swarm_list}), keyed by swarm id. */
  public synchronized ObjectNode list() {
    ObjectNode out = SwarmJson.obj();
    swarms.forEach((id, s) -> out.set(id, s.record.deepCopy()));
    return out;
  }

  /**
   * Returns a swarm's status ({@code swarm_status}); a running swarm whose agents have all exited
   * is marked terminated.
   *
   * @throws IllegalArgumentException for an unknown swarm id
   */
  public ObjectNode status(String swarmId, String requestId) {
    Swarm s = require(swarmId);
    if (s.status().equals("running")) {
      Team team = ns.team(s.record.path("job_id").asString());
      boolean anyAlive = s.nodes.stream().anyMatch(n -> team.agent(n.agentId).isAlive());
      if (!anyAlive) {
        synchronized (this) {
          s.record
              .put("status", "terminated")
              .put("terminated_at", Instant.now().toString());
          save();
        }
      }
    }
    return SwarmJson.obj()
        .put("request_id", requestId)
        .put("swarm_id", swarmId)
        .put("job_id", s.record.path("job_id").asString())
        .put("node_count", s.nodes.size())
        .put("status", s.status());
  }

  /** Returns the team a swarm runs on. */
  public Team team(String swarmId) {
    return ns.team(require(swarmId).record.path("job_id").asString());
  }

  /**
   * Returns the agent id of a node.
   *
   * @throws IllegalArgumentException for an unknown swarm or a node out of range
   */
  public String agentId(String swarmId, int nodeId) {
    Swarm s = require(swarmId);
    NodeSelector.checkRange(List.of(nodeId), s.nodes.size());
    return s.nodes.get(nodeId).agentId;
  }

  /** Returns the worktree of a node (where its persona lives). */
  public Path worktree(String swarmId, int nodeId) {
    return Path.of(team(swarmId).agents().get(agentId(swarmId, nodeId)).worktreePath());
  }

  /** Returns whether a node has no outstanding prompt. */
  public boolean isIdle(String swarmId, int nodeId) {
    Swarm s = require(swarmId);
    NodeSelector.checkRange(List.of(nodeId), s.nodes.size());
    return s.nodes.get(nodeId).outstanding == 0;
  }

  /** Returns whether a swarm of this id is known (any status). */
  public synchronized boolean exists(String swarmId) {
    return swarms.containsKey(swarmId);
  }

  private synchronized Swarm require(String swarmId) {
    Swarm s = swarms.get(swarmId);
    if (s == null) {
      throw new IllegalArgumentException("Unknown swarm_id '" + NodeSelector.printable(swarmId)
          + "'; list swarms with swarm_list");
    }
    return s;
  }

  // ------------------------------------------------------------------ inject

  /**
   * Injects a prompt into nodes: per node {@code inject_ack}, then {@code inject_delivered} (with
   * the channel that delivered it) or {@code inject_failed}.
   *
   * @param nodes the node ids, or null for all
   * @return the injection ids, one per node, in node order
   * @throws IllegalArgumentException for an unknown swarm, a swarm that is not running, or a node
   *     out of range
   */
  public List<String> inject(
      String swarmId, @Nullable List<Integer> nodes, String content, String requestId) {
    Swarm s = require(swarmId);
    if (!s.status().equals("running")) {
      throw new IllegalArgumentException(
          "Swarm " + swarmId + " is " + s.status() + "; prompts go only to running swarms");
    }
    List<Integer> targets = new ArrayList<>();
    if (nodes == null) {
      for (int i = 0; i < s.nodes.size(); i++) {
        targets.add(i);
      }
    } else {
      NodeSelector.checkRange(nodes, s.nodes.size());
      targets.addAll(new java.util.TreeSet<>(nodes));
    }
    List<String> ids = new ArrayList<>();
    for (int nodeId : targets) {
      ids.add(injectOne(s, s.nodes.get(nodeId), content, requestId));
    }
    return ids;
  }

  /**
   * Delivers a project task to the agent of a swarm node whose agent CLI reads prompts through the
   * node's bridge ({@code mock}, {@code codex-app-server}, {@code claude-stream-json}): those never
   * read the team inbox. The injection's events ({@code inject_ack}, the turn's stream, {@code
   * usage}) carry {@code project_id} and {@code task_id}, so spend can be summed per task.
   *
   * @return the injection id, or empty when the agent is no such node of a running swarm (the
   *     caller then uses the team inbox)
   */
  public Optional<String> injectProjectTask(
      String teamId,
      String agentId,
      String content,
      String requestId,
      String projectId,
      String taskId) {
    Swarm found = null;
    Node target = null;
    synchronized (this) {
      for (Swarm s : swarms.values()) {
        if (!s.record.path("job_id").asString().equals(teamId)) {
          continue;
        }
        for (Node n : s.nodes) {
          if (n.agentId.equals(agentId)) {
            found = s;
            target = n;
          }
        }
      }
    }
    if (found == null
        || target == null
        || !found.status().equals("running")
        || target.channel.equals("inbox")
        || target.channel.equals("tmux")) {
      return Optional.empty();
    }
    ObjectNode tags = SwarmJson.obj().put("project_id", projectId).put("task_id", taskId);
    return Optional.of(injectOne(found, target, content, requestId, tags));
  }

  private String injectOne(Swarm s, Node node, String content, String requestId) {
    return injectOne(s, node, content, requestId, null);
  }

  private String injectOne(
      Swarm s, Node node, String content, String requestId, @Nullable ObjectNode tags) {
    String injectionId = UUID.randomUUID().toString();
    ObjectNode ack = SwarmJson.obj()
        .put("request_id", requestId)
        .put("swarm_id", s.id())
        .put("injection_id", injectionId)
        .put("node_id", node.id)
        .put("prompt", content);
    if (tags != null) {
      injectionTags.put(injectionId, tags);
      ack.setAll(tags);
    }
    listener.event("inject_ack", ack);
    node.outstanding++;
    Team team = ns.team(s.record.path("job_id").asString());
    switch (node.channel) {
      case "tmux" ->
        work.submit(() -> {
          try {
            boolean ok = team.agent(node.agentId).nudge(content, Duration.ofSeconds(10));
            if (ok) {
              delivered(s.id(), node, injectionId, requestId, "tmux");
            } else {
              failed(
                  s.id(),
                  node,
                  injectionId,
                  requestId,
                  "the text did not appear in the agent's tmux pane within 10 s");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (RuntimeException e) {
            failed(s.id(), node, injectionId, requestId, String.valueOf(e.getMessage()));
          }
        });
      case "inbox" -> {
        try {
          team.inbox().send("swarm", "node-" + node.id, content);
          delivered(s.id(), node, injectionId, requestId, "team-inbox");
        } catch (RuntimeException e) {
          failed(s.id(), node, injectionId, requestId, String.valueOf(e.getMessage()));
        }
      }
      default -> {
        if (!team.agent(node.agentId).isAlive()) {
          failed(
              s.id(),
              node,
              injectionId,
              requestId,
              "node " + node.id + " (agent " + node.agentId + ") is not running");
          break;
        }
        pending.put(
            injectionId,
            new Pending(s.id(), node.id, requestId, Instant.now().plus(DELIVERY_TIMEOUT)));
        try {
          SwarmJson.append(
              node.dir.resolve("inbox.jsonl"),
              SwarmJson.obj()
                  .put("type", "user")
                  .put("content", content)
                  .put("injection_id", injectionId)
                  .put("request_id", requestId));
        } catch (IOException e) {
          pending.remove(injectionId);
          failed(s.id(), node, injectionId, requestId, "writing the node's inbox failed: " + e);
        }
      }
    }
    return injectionId;
  }

  private void delivered(
      String swarmId, Node node, String injectionId, String requestId, String channel) {
    listener.event(
        "inject_delivered",
        SwarmJson.obj()
            .put("request_id", requestId)
            .put("swarm_id", swarmId)
            .put("injection_id", injectionId)
            .put("node_id", node.id)
            .put("channel", channel));
    if (channel.equals("tmux") || channel.equals("team-inbox")) {
      node.outstanding = Math.max(0, node.outstanding - 1);
    }
  }

  private void failed(
      String swarmId, Node node, String injectionId, String requestId, String error) {
    node.outstanding = Math.max(0, node.outstanding - 1);
    listener.event(
        "inject_failed",
        SwarmJson.obj()
            .put("request_id", requestId)
            .put("swarm_id", swarmId)
            .put("injection_id", injectionId)
            .put("node_id", node.id)
            .put("error", error));
  }

  // ------------------------------------------------------------------ outbox

  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      log.warn("Reading swarm outboxes failed", e);
    }
  }

  private void poll() {
    List<Swarm> live;
    synchronized (this) {
      live = new ArrayList<>(swarms.values());
    }
    for (Swarm s : live) {
      for (Node n : s.nodes) {
        Path out = n.dir.resolve("outbox.jsonl");
        try {
          if (Files.exists(out) && Files.size(out) > n.offset) {
            readOutbox(s, n, out);
          }
        } catch (IOException e) {
          log.warn("Reading {} failed", out, e);
        }
      }
    }
    Instant now = Instant.now();
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      Pending p = e.getValue();
      if (now.isAfter(p.deadline()) && pending.remove(e.getKey()) != null) {
        Swarm s = swarms.get(p.swarmId());
        if (s != null) {
          failed(
              p.swarmId(),
              s.nodes.get(p.nodeId()),
              e.getKey(),
              p.requestId(),
              "no delivery receipt within " + DELIVERY_TIMEOUT.toSeconds() + " s");
        }
      }
    }
  }

  private void readOutbox(Swarm s, Node n, Path out) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
      f.seek(n.offset);
      byte[] rest = new byte[(int) Math.min(f.length() - n.offset, 1 << 22)];
      f.readFully(rest);
      int start = 0;
      for (int i = 0; i < rest.length; i++) {
        if (rest[i] == '\n') {
          String line = new String(rest, start, i - start, StandardCharsets.UTF_8);
          start = i + 1;
          try {
            onOutbox(s, n, SwarmJson.parse(line));
          } catch (RuntimeException e) {
            log.warn("Unreadable outbox line of node {} of swarm {}", n.id, s.id(), e);
          }
        }
      }
      n.offset += start;
    }
  }

  private void onOutbox(Swarm s, Node n, JsonNode rec) {
    String kind = rec.path("kind").asString("");
    String injection = rec.path("injection_id").asString("");
    switch (kind) {
      case "delivered" -> {
        Pending p = pending.remove(injection);
        delivered(
            s.id(),
            n,
            injection,
            p != null ? p.requestId() : rec.path("request_id").asString(""),
            rec.path("channel").asString(n.channel));
      }
      case "failed" -> {
        Pending p = pending.remove(injection);
        failed(
            s.id(),
            n,
            injection,
            p != null ? p.requestId() : rec.path("request_id").asString(""),
            rec.path("error").asString(""));
      }
      case "error" ->
        emitWorker(
            s,
            n,
            injection,
            "agent_error",
            SwarmJson.obj()
                .put("message", rec.path("message").asString(""))
                .put("error_code", "bridge"));
      case "rpc", "stream" -> {
        List<WorkerEvents.Normalized> events = kind.equals("rpc")
            ? WorkerEvents.fromCodex(rec.path("payload"))
            : WorkerEvents.fromClaude(rec.path("payload"));
        String lastMessage = "";
        for (WorkerEvents.Normalized ev : events) {
          ObjectNode d = ev.data();
          switch (ev.event()) {
            case "assistant" -> lastMessage = d.path("content").asString("");
            case "usage" -> price(s, d);
            case "exec_approval_required" -> {
              if (!recordApproval(s, n, injection, d)) {
                continue;
              }
            }
            case "task_complete" -> {
              if (!d.has("last_agent_message")) {
                d.put("last_agent_message", lastMessage);
              }
            }
            case "command_completed" -> resolveApproval(s, n, d.path("call_id").asString(""));
            default -> {}
          }
          if (ev.event().equals("assistant")) {
            lastMessages.put(s.id() + "/" + n.id, lastMessage);
          }
          emitWorker(s, n, injection, ev.event(), d);
          if (ev.event().equals("turn_complete")) {
            n.outstanding = Math.max(0, n.outstanding - 1);
            work.submit(() -> dispatchQueue(s.id()));
          }
        }
      }
      default -> {}
    }
  }

  private final Map<String, String> lastMessages = new ConcurrentHashMap<>();

  private void emitWorker(Swarm s, Node n, String injection, String event, ObjectNode d) {
    ObjectNode data = SwarmJson.obj()
        .put("swarm_id", s.id())
        .put("job_id", s.record.path("job_id").asString())
        .put("node_id", n.id)
        .put("injection_id", injection);
    data.setAll(d);
    ObjectNode tags = injection.isEmpty() ? null : injectionTags.get(injection);
    if (tags != null) {
      data.setAll(tags);
    }
    if (event.equals("task_complete")
        && data.path("last_agent_message").asString("").isEmpty()) {
      data.put("last_agent_message", lastMessages.getOrDefault(s.id() + "/" + n.id, ""));
    }
    listener.event(event, data);
  }

  private void price(Swarm s, ObjectNode usage) {
    String model = s.record.path("pricing_model").asString("");
    usage.put("model_name", s.record.path("agent_model").asString(""));
    usage.put("pricing_model", model);
    Optional<BigDecimal> total = pricing.costUsd(model, usage, "");
    Optional<BigDecimal> last = pricing.costUsd(model, usage, "last_");
    if (total.isPresent()) {
      usage.put("estimated_cost_usd", total.get());
      usage.put("last_estimated_cost_usd", last.orElse(BigDecimal.ZERO));
    } else {
      usage.putNull("estimated_cost_usd");
      usage.putNull("last_estimated_cost_usd");
      usage.put(
          "pricing_status",
          pricing == UsagePricing.NONE
              ? "unpriced: this service was opened without pricing (UsagePricing.NONE)"
              : "unpriced: no price for model '" + model + "'");
    }
  }

  // ------------------------------------------------------------------ approvals

  private boolean recordApproval(Swarm s, Node n, String injection, ObjectNode d) {
    String jobId = s.record.path("job_id").asString();
    String callId = d.path("call_id").asString("");
    String key = jobId + "|" + n.id + "|" + callId;
    synchronized (this) {
      if (approvals.containsKey(key)) {
        return false;
      }
      long now = System.currentTimeMillis();
      approvalsVersion++;
      ObjectNode a = d.deepCopy();
      a.put("swarm_id", s.id())
          .put("node_id", n.id)
          .put("job_id", jobId)
          .put("approval_id", UUID.randomUUID().toString())
          .put("approval_status", "pending")
          .put("injection_id", injection)
          .put("created_at_ms", now)
          .put("updated_at_ms", now);
      approvals.put(key, a);
      save();
      d.put("approval_id", a.path("approval_id").asString());
      d.put("approvals_version", approvalsVersion);
      d.remove("rpc_id");
    }
    audit("swarm.approval.required", s, n.id, d);
    return true;
  }

  private void resolveApproval(Swarm s, Node n, String callId) {
    String key = s.record.path("job_id").asString() + "|" + n.id + "|" + callId;
    synchronized (this) {
      ObjectNode a = approvals.get(key);
      if (a != null && a.path("approval_status").asString().endsWith("_pending_ack")) {
        a.put("approval_status", a.path("approval_status").asString().replace("_pending_ack", ""));
        a.put("updated_at_ms", System.currentTimeMillis());
        approvalsVersion++;
        save();
      }
    }
  }

  /** Returns {@code approvals_list}'s data: version and approvals by swarm and node. */
  public synchronized ObjectNode approvals(String requestId) {
    ObjectNode out =
        SwarmJson.obj().put("request_id", requestId).put("approvals_version", approvalsVersion);
    ObjectNode by = out.putObject("approvals");
    for (ObjectNode a : approvals.values()) {
      ObjectNode perSwarm = by.has(a.path("swarm_id").asString())
          ? (ObjectNode) by.get(a.path("swarm_id").asString())
          : by.putObject(a.path("swarm_id").asString());
      String node = a.path("node_id").asString();
      ArrayNode list =
          perSwarm.has(node) ? (ArrayNode) perSwarm.get(node) : perSwarm.putArray(node);
      ObjectNode copy = a.deepCopy();
      copy.remove("rpc_id");
      list.add(copy);
    }
    return out;
  }

  /**
   * Answers an approval ({@code approve_execution}). The decision goes to the agent as the answer
   * to its JSON-RPC request and into the audit log; a repeat for an answered call returns {@code
   * exec_approval_resolved} data with {@code idempotent: true}.
   *
   * @param nodeId the node, or null when the call id is unique in the job
   * @param injectionId the injection, or null
   * @param decision an advertised decision token, or null to use accept/decline from {@code
   *     approved}
   * @return the event name ({@code exec_approval_submitted} or {@code exec_approval_resolved}) and
   *     its data, as {@code {"event": ..., "data": ...}}
   * @throws IllegalArgumentException when no approval matches (the message lists the pending
   *     candidates) or the decision is not advertised
   */
  public ObjectNode approve(
      String jobId,
      String callId,
      @Nullable Integer nodeId,
      @Nullable String injectionId,
      boolean approved,
      @Nullable String decision,
      String requestId,
      String principal) {
    ObjectNode a;
    String key;
    synchronized (this) {
      List<String> matches = new ArrayList<>();
      for (Map.Entry<String, ObjectNode> e : approvals.entrySet()) {
        ObjectNode x = e.getValue();
        if (x.path("job_id").asString().equals(jobId)
            && x.path("call_id").asString().equals(callId)
            && (nodeId == null || x.path("node_id").asInt() == nodeId)
            && (injectionId == null || x.path("injection_id").asString().equals(injectionId))) {
          matches.add(e.getKey());
        }
      }
      if (matches.size() != 1) {
        ArrayNode candidates = SwarmJson.MAPPER.createArrayNode();
        approvals.values().stream()
            .filter(x -> x.path("approval_status").asString().equals("pending"))
            .forEach(x -> candidates
                .addObject()
                .put("job_id", x.path("job_id").asString())
                .put("call_id", x.path("call_id").asString())
                .put("node_id", x.path("node_id").asInt())
                .put("injection_id", x.path("injection_id").asString()));
        throw new ApprovalNotFoundException(
            (matches.isEmpty()
                    ? "Unknown approval request: job_id '" + NodeSelector.printable(jobId)
                        + "', call_id '" + NodeSelector.printable(callId) + "'"
                    : "call_id '" + NodeSelector.printable(callId) + "' matches " + matches.size()
                        + " approvals; give node_id or injection_id")
                + "; pending approvals are listed by approvals_list",
            candidates);
      }
      key = matches.get(0);
      a = Objects.requireNonNull(approvals.get(key), key);
      String token = decision != null ? decision : approved ? "accept" : "decline";
      boolean advertised = false;
      for (JsonNode d : a.path("available_decisions")) {
        advertised |= d.asString("").equals(token);
      }
      if (!advertised) {
        throw new IllegalArgumentException("Decision '" + NodeSelector.printable(token)
            + "' is not one the agent offered: " + a.path("available_decisions"));
      }
      ObjectNode data = SwarmJson.obj()
          .put("request_id", requestId)
          .put("approval_id", a.path("approval_id").asString())
          .put("job_id", jobId)
          .put("call_id", callId)
          .put("node_id", a.path("node_id").asInt())
          .put("injection_id", a.path("injection_id").asString());
      if (!a.path("approval_status").asString().equals("pending")) {
        data.put("approved", a.path("approved").asBoolean())
            .put("decision", a.path("decision").asString())
            .put("approval_status", a.path("approval_status").asString())
            .put("approvals_version", approvalsVersion)
            .put("idempotent", true);
        return SwarmJson.obj().put("event", "exec_approval_resolved").set("data", data);
      }
      boolean yes = !token.equals("decline")
          && !token.equals("cancel")
          && !token.equals("denied")
          && !token.equals("abort");
      approvalsVersion++;
      a.put("approval_status", yes ? "approved_pending_ack" : "denied_pending_ack")
          .put("approved", yes)
          .put("decision", token)
          .put("decided_by", principal)
          .put("updated_at_ms", System.currentTimeMillis());
      save();
      Swarm s = swarms.get(a.path("swarm_id").asString());
      if (s == null) {
        throw new IllegalArgumentException("The swarm of approval " + callId + " is gone");
      }
      Node n = s.nodes.get(a.path("node_id").asInt());
      ObjectNode control = SwarmJson.obj().put("type", "control");
      ObjectNode payload = control.putObject("payload").put("type", "rpc_response");
      payload.set("rpc_id", a.path("rpc_id"));
      payload.putObject("result").put("decision", token);
      try {
        SwarmJson.append(n.dir.resolve("inbox.jsonl"), control);
      } catch (IOException e) {
        throw new IllegalStateException("Delivering the decision to node " + n.id + " failed", e);
      }
      data.put("approved", yes).put("decision", token).put("approvals_version", approvalsVersion);
      audit("swarm.approval.decided", s, n.id, data.deepCopy().put("decided_by", principal));
      return SwarmJson.obj().put("event", "exec_approval_submitted").set("data", data);
    }
  }

  /** No single approval matches an {@code approve_execution}; carries the pending candidates. */
  public static final class ApprovalNotFoundException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final transient ArrayNode candidates;

    ApprovalNotFoundException(String message, ArrayNode candidates) {
      super(message);
      this.candidates = candidates;
    }

    /** Returns the pending approvals a client may have meant. */
    public ArrayNode candidates() {
      return candidates;
    }
  }

  /**
   * Records an approval in the data directory's chained audit log ({@code audit.jsonl}, the one
   * {@code auth audit} reads and verifies), with the swarm, node and details.
   */
  private void audit(String event, Swarm s, int nodeId, ObjectNode details) {
    Map<String, Object> d = new java.util.LinkedHashMap<>();
    d.put("swarm_id", s.id());
    d.put("node_id", nodeId);
    d.put("details", details);
    try {
      ns.audit().append(event, s.record.path("job_id").asString(), "node-" + nodeId, d);
    } catch (RuntimeException e) {
      log.warn("Writing the audit log failed", e);
    }
  }

  // ------------------------------------------------------------------ queue

  /**
   * Queues a prompt for another swarm ({@code enqueue_inject}). {@code idle} items wait for the
   * first idle node; {@code all}/{@code nodes} items are dispatched at once.
   *
   * @return the {@code inter_swarm_enqueued} data
   * @throws IllegalArgumentException for an unknown or stopping target, empty content, or nodes out
   *     of range
   */
  public ObjectNode enqueue(
      @Nullable String sourceSwarmId,
      String targetSwarmId,
      String selector,
      List<Integer> nodes,
      String content,
      String requestId) {
    Swarm target = require(targetSwarmId);
    if (!target.status().equals("running")) {
      throw new IllegalArgumentException(
          "Target swarm " + targetSwarmId + " is " + target.status());
    }
    if (content.isEmpty()) {
      throw new IllegalArgumentException("content must not be empty");
    }
    if (!selector.matches("idle|all|nodes")) {
      throw new IllegalArgumentException(
          "selector must be idle, all or nodes, not '" + NodeSelector.printable(selector) + "'");
    }
    if (selector.equals("nodes")) {
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException("selector 'nodes' needs a non-empty nodes list");
      }
      NodeSelector.checkRange(nodes, target.nodes.size());
    }
    ObjectNode item = SwarmJson.obj()
        .put("queue_id", UUID.randomUUID().toString())
        .put("request_id", requestId)
        .put("source_swarm_id", sourceSwarmId)
        .put("target_swarm_id", targetSwarmId)
        .put("selector", selector);
    ArrayNode ns0 = item.putArray("nodes");
    nodes.forEach(ns0::add);
    item.put("content", content).put("created_at", Instant.now().toString());
    synchronized (this) {
      queue.add(item);
      save();
    }
    ObjectNode enq = item.deepCopy();
    enq.remove("content");
    enq.remove("created_at");
    listener.event("inter_swarm_enqueued", enq);
    queueUpdated();
    dispatchQueue(targetSwarmId);
    return enq;
  }

  /** Returns the queued items ({@code queue_list}). */
  public synchronized ArrayNode queue() {
    ArrayNode out = SwarmJson.MAPPER.createArrayNode();
    queue.forEach(i -> out.add(i.deepCopy()));
    return out;
  }

  /** Publishes {@code queue_updated} with the whole queue. */
  public void queueUpdated() {
    ObjectNode d = SwarmJson.obj();
    d.set("items", queue());
    listener.event("queue_updated", d);
  }

  private void dispatchQueue(String targetSwarmId) {
    List<ObjectNode> items;
    synchronized (this) {
      items = queue.stream()
          .filter(i -> i.path("target_swarm_id").asString().equals(targetSwarmId))
          .toList();
    }
    boolean changed = false;
    for (ObjectNode item : items) {
      Swarm s;
      synchronized (this) {
        s = swarms.get(targetSwarmId);
        if (!queue.contains(item)) {
          continue;
        }
      }
      if (s == null) {
        continue;
      }
      String selector = item.path("selector").asString();
      String requestId = item.path("request_id").asString();
      List<Integer> targets = new ArrayList<>();
      if (selector.equals("idle")) {
        Node idle = s.nodes.stream().filter(x -> x.outstanding == 0).findFirst().orElse(null);
        if (idle == null) {
          break;
        }
        targets.add(idle.id);
      } else if (selector.equals("nodes")) {
        item.path("nodes").forEach(x -> targets.add(x.asInt()));
      }
      synchronized (this) {
        if (!queue.remove(item)) {
          continue;
        }
        save();
      }
      changed = true;
      List<String> ids;
      try {
        ids = inject(
            targetSwarmId,
            selector.equals("all") ? null : targets,
            item.path("content").asString(),
            requestId);
      } catch (RuntimeException e) {
        synchronized (this) {
          queue.add(0, item);
          save();
        }
        ObjectNode b = base(item);
        if (!targets.isEmpty()) {
          b.put("node_id", targets.get(0));
        }
        listener.event("inter_swarm_blocked", b.put("reason", String.valueOf(e.getMessage())));
        break;
      }
      ObjectNode d = base(item);
      if (selector.equals("idle")) {
        d.put("node_id", targets.get(0)).put("injection_id", ids.get(0));
      } else {
        d.put("selector", selector);
        d.set("nodes", item.path("nodes"));
      }
      listener.event("inter_swarm_dispatched", d);
    }
    if (changed) {
      queueUpdated();
    }
  }

  private static ObjectNode base(ObjectNode item) {
    ObjectNode d = SwarmJson.obj()
        .put("queue_id", item.path("queue_id").asString())
        .put("request_id", item.path("request_id").asString());
    d.set("source_swarm_id", item.path("source_swarm_id"));
    d.put("target_swarm_id", item.path("target_swarm_id").asString());
    return d;
  }

  // ------------------------------------------------------------------ terminate

  /**
   * Terminates a swarm in the background: {@code swarm_status(terminating)} at once, then {@code
   * swarm_terminate_progress} (graceful_wait, quiescent or graceful_timeout, provider_terminate,
   * completed), a {@code workspace_archive_ready} per node when asked, and {@code
   * swarm_terminated}; queued items for it are dropped. A second call while one runs escalates to
   * force.
   *
   * @throws IllegalArgumentException for an unknown or already terminated swarm
   */
  public void terminate(String swarmId, boolean force, boolean archive, String requestId) {
    Swarm s = require(swarmId);
    boolean already;
    synchronized (this) {
      if (s.status().equals("terminated")) {
        throw new IllegalArgumentException("Swarm " + swarmId + " is already terminated");
      }
      already = s.status().equals("terminating");
      s.record
          .put("status", "terminating")
          .put("terminating_since", Instant.now().toString());
      save();
    }
    listener.event(
        "swarm_status",
        SwarmJson.obj()
            .put("request_id", requestId)
            .put("swarm_id", swarmId)
            .put("job_id", s.record.path("job_id").asString())
            .put("node_count", s.nodes.size())
            .put("status", "terminating"));
    if (already) {
      s.forceRequested = true;
      return;
    }
    s.forceRequested = force;
    work.submit(() -> {
      try {
        runTerminate(s, archive, requestId);
      } catch (RuntimeException | IOException e) {
        log.warn("Terminating swarm {} failed", swarmId, e);
        termProgress(s, requestId, "failed", String.valueOf(e.getMessage()));
        synchronized (this) {
          s.record.put("status", "running");
          save();
        }
        listener.event(
            "command_rejected",
            SwarmJson.obj()
                .put("request_id", requestId)
                .put("reason", "Terminating swarm " + swarmId + " failed: " + e.getMessage()));
      }
    });
  }

  private void runTerminate(Swarm s, boolean archive, String requestId) throws IOException {
    termProgress(s, requestId, "graceful_wait", "waiting for outstanding prompts (up to 20 s)");
    Instant deadline = Instant.now().plusSeconds(20);
    boolean quiet = false;
    while (!s.forceRequested && Instant.now().isBefore(deadline)) {
      if (s.nodes.stream().allMatch(n -> n.outstanding == 0)) {
        quiet = true;
        break;
      }
      sleep(100);
    }
    if (quiet) {
      termProgress(s, requestId, "quiescent", "no outstanding prompts");
    } else if (s.forceRequested) {
      termProgress(s, requestId, "force_requested", "stopping without waiting");
    } else {
      termProgress(s, requestId, "graceful_timeout", "prompts still outstanding; stopping anyway");
    }
    Team team = ns.team(s.record.path("job_id").asString());
    if (archive) {
      Path dir = root.resolve("archives").resolve(s.id());
      Files.createDirectories(dir);
      for (Node n : s.nodes) {
        String wt = team.agents().get(n.agentId).worktreePath();
        String name = String.format("node-%02d.tar.gz", n.id);
        Path target = dir.resolve(name);
        ObjectNode d = SwarmJson.obj()
            .put("request_id", requestId)
            .put("swarm_id", s.id())
            .put("job_id", s.record.path("job_id").asString())
            .put("node_id", n.id);
        try {
          Path w = Path.of(wt);
          tar(target, w);
          listener.event(
              "workspace_archive_ready",
              d.put("archive_path", target.toString()).put("archive_name", name));
        } catch (IOException | RuntimeException e) {
          listener.event(
              "workspace_archive_failed", d.put("reason", String.valueOf(e.getMessage())));
        }
      }
    }
    termProgress(s, requestId, "provider_terminate", "stopping " + s.nodes.size() + " agent(s)");
    for (Node n : s.nodes) {
      team.agent(n.agentId).stop(Duration.ofSeconds(s.forceRequested ? 0 : 3));
    }
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      if (e.getValue().swarmId().equals(s.id()) && pending.remove(e.getKey()) != null) {
        failed(
            s.id(),
            s.nodes.get(e.getValue().nodeId()),
            e.getKey(),
            e.getValue().requestId(),
            "the swarm was terminated before delivery");
      }
    }
    List<ObjectNode> dropped = new ArrayList<>();
    synchronized (this) {
      s.record.put("status", "terminated").put("terminated_at", Instant.now().toString());
      queue.removeIf(i -> {
        boolean drop = i.path("target_swarm_id").asString().equals(s.id());
        if (drop) {
          dropped.add(i);
        }
        return drop;
      });
      approvals
          .values()
          .removeIf(a -> a.path("swarm_id").asString().equals(s.id())
              && a.path("approval_status").asString().equals("pending"));
      save();
    }
    termProgress(s, requestId, "completed", "swarm terminated");
    listener.event(
        "swarm_terminated", SwarmJson.obj().put("request_id", requestId).put("swarm_id", s.id()));
    for (ObjectNode i : dropped) {
      listener.event("inter_swarm_dropped", base(i).put("reason", "target swarm terminated"));
    }
    if (!dropped.isEmpty()) {
      queueUpdated();
    }
  }

  private static void tar(Path target, Path dir) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(dir)) {
      throw new IOException("the worktree " + dir + " is missing");
    }
    Process p = new ProcessBuilder(
            "tar",
            "-czf",
            target.toString(),
            "-C",
            parent.toString(),
            "--",
            dir.getFileName().toString())
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("tar failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void termProgress(Swarm s, String requestId, String stage, String message) {
    listener.event(
        "swarm_terminate_progress",
        SwarmJson.obj()
            .put("request_id", requestId)
            .put("swarm_id", s.id())
            .put("job_id", s.record.path("job_id").asString())
            .put("provider_backend", s.record.path("provider_backend").asString())
            .put("stage", stage)
            .put("message", message)
            .put("timestamp", Instant.now().toString()));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ persistence

  private synchronized void save() {
    ObjectNode state = SwarmJson.obj().put("version", 1).put("approvals_version", approvalsVersion);
    ObjectNode sw = state.putObject("swarms");
    swarms.forEach((id, s) -> sw.set(id, s.record));
    ArrayNode ap = state.putArray("approvals");
    approvals.values().forEach(ap::add);
    ArrayNode q = state.putArray("queue");
    queue.forEach(q::add);
    try {
      SwarmJson.writeAtomically(
          stateFile, SwarmJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(state));
    } catch (IOException e) {
      throw new IllegalStateException("Saving " + stateFile + " failed: " + e.getMessage(), e);
    }
  }

  private void load() throws IOException {
    if (!Files.exists(stateFile)) {
      return;
    }
    JsonNode state;
    try {
      state = SwarmJson.parse(Files.readString(stateFile));
    } catch (RuntimeException e) {
      throw new IOException(
          "The swarm state " + stateFile + " is not valid JSON (" + e.getMessage()
              + "); move it aside to start without swarms",
          e);
    }
    approvalsVersion = state.path("approvals_version").asLong(0);
    for (Map.Entry<String, JsonNode> e : state.path("swarms").properties()) {
      Swarm s = new Swarm((ObjectNode) e.getValue());
      for (JsonNode n : s.record.path("nodes")) {
        Node node = new Node(
            n.path("node_id").asInt(),
            n.path("agent_id").asString(),
            Path.of(n.path("node_dir").asString()),
            n.path("channel").asString());
        Path out = node.dir.resolve("outbox.jsonl");
        node.offset = Files.exists(out) ? Files.size(out) : 0;
        s.nodes.add(node);
      }
      swarms.put(e.getKey(), s);
    }
    for (JsonNode a : state.path("approvals")) {
      approvals.put(
          a.path("job_id").asString() + "|" + a.path("node_id").asInt() + "|"
              + a.path("call_id").asString(),
          (ObjectNode) a);
    }
    for (JsonNode i : state.path("queue")) {
      queue.add((ObjectNode) i);
    }
  }

  /** Stops reading outboxes; swarms keep running and are found again by the next {@link #open}. */
  @Override
  public void close() {
    poller.shutdownNow();
    work.shutdownNow();
    // wait for a state write in progress, so that nothing touches the data directory afterwards
    try {
      if (!poller.awaitTermination(5, TimeUnit.SECONDS)
          || !work.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("swarm service threads still running 5 s after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
