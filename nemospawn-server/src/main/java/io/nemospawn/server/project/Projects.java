package io.nemospawn.server.project;

import io.nemospawn.Agent;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Planned projects on a data directory: create (explicit tasks) or plan (a planner agent answers
 * with a task list), start, step the dispatcher, resume with a preview. State lives in {@code
 * <data>/projects/} (see docs/state-format.md); every change is written atomically before it takes
 * effect outside (write-ahead), under a lock shared with other processes, so a killed process
 * loses nothing and a restart (another {@link #step}) carries on.
 *
 * <pre>{@code
 * Projects projects = Projects.open(ns);
 * Project p = projects.create(ProjectRequest.of("Demo", repo, List.of(teamId), tasks));
 * projects.start(p.projectId());
 * projects.awaitSettled(p.projectId(), Duration.ofMinutes(10));
 * }</pre>
 *
 * <p>Thread-safe; several processes may step the same project (one at a time under the lock).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Projects {
  private static final Logger log = LoggerFactory.getLogger(Projects.class);
  static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  /** How long a dispatched task's claim on the team task lasts. */
  static final Duration LEASE = Duration.ofHours(24);

  /** Marker before the JSON line of a dispatched task's message. */
  public static final String TASK_MARKER = "PROJECT_TASK_JSON";

  private final NemoSpawn ns;
  private final Path dir;
  private final InstantSource clock;
  private final Durability durability;
  private final List<BiConsumer<String, ObjectNode>> listeners = new CopyOnWriteArrayList<>();
  /** Teams opened while the lock is held; closed when the outermost holder lets go. */
  private final Map<String, Optional<Team>> openTeams = new HashMap<>();

  private volatile TaskDelivery delivery = TaskDelivery.INBOX;

  private Projects(NemoSpawn ns, InstantSource clock, Durability durability) {
    this.ns = ns;
    this.dir = ns.dataDir().resolve("projects");
    this.clock = clock;
    this.durability = durability;
  }

  /**
   * Projects of a data directory (the teams are opened through {@code ns}).
   *
   * @param ns the open data directory; the caller closes it
   * @return the service
   */
  public static Projects open(NemoSpawn ns) {
    return new Projects(Objects.requireNonNull(ns, "ns"), InstantSource.system(), Durability.FSYNC);
  }

  /**
   * Adds a listener for the events of §2.6 this service raises on its own (for example {@code
   * project_plan_completed}, {@code projects_updated}); called on the thread that caused them.
   *
   * @param listener receives the event name and data
   */
  public void subscribe(BiConsumer<String, ObjectNode> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Sets how a task or a plan request reaches an agent before the team inbox is tried: the control
   * plane delivers one to a swarm node whose agent CLI reads no team inbox (Codex app-server, Claude stream-json,
   * the mock) as an injection of that swarm, whose events then carry the task's ids.
   *
   * @param delivery the first way to try
   */
  public void deliverThrough(TaskDelivery delivery) {
    this.delivery = Objects.requireNonNull(delivery, "delivery");
  }

  /**
   * A way to hand a project task, or a plan request (task id {@link #PLAN_TASK}, project id the
   * plan's), to an agent other than its team inbox.
   */
  @FunctionalInterface
  public interface TaskDelivery {
    /** The team inbox only. */
    TaskDelivery INBOX = (teamId, agentId, text, requestId, projectId, taskId) -> Optional.empty();

    /**
     * Delivers a task's text to an agent.
     *
     * @return the injection id when this way delivered it, empty to fall back to the team inbox
     */
    Optional<String> deliver(
        String teamId,
        String agentId,
        String text,
        String requestId,
        String projectId,
        String taskId);
  }

  private void emit(String event, ObjectNode data) {
    for (BiConsumer<String, ObjectNode> l : listeners) {
      try {
        l.accept(event, data);
      } catch (RuntimeException e) {
        log.warn("project event listener failed on {}", event, e);
      }
    }
  }

  // ---------------------------------------------------------------- create and plan

  /**
   * Validates and stores a project (status {@code draft}); nothing is written when a check fails.
   *
   * @param req the request
   * @return the project
   * @throws ProjectGraphException when the task graph is invalid
   * @throws IllegalArgumentException when the repository, base branch or a team is unusable
   */
  public Project create(ProjectRequest req) {
    Objects.requireNonNull(req, "req");
    List<ProjectTask> tasks = ProjectGraph.withIntegration(ProjectGraph.validate(req.tasks()));
    Path repo = checkRepo(req.repoPath());
    String base = baseBranch(repo, req.baseBranch());
    List<String> teams = checkTeams(req.workerTeamIds(), "worker team");
    String id = "proj-" + StateFormat.randomHex8();
    ObjectNode p = JSON.createObjectNode();
    p.put("format", 1);
    p.put("project_id", id);
    p.put("title", req.title());
    p.put("repo_path", repo.toString());
    p.put("base_branch", base);
    p.put("home_team_id", teams.get(0));
    p.set("worker_swarm_ids", strings(teams));
    p.put("status", "draft");
    p.put("integration_branch", branch(id, ProjectGraph.INTEGRATION_ID));
    p.put("resume_count", 0);
    p.put("plan_id", req.planId());
    ArrayNode order = p.putArray("task_order");
    ObjectNode ts = p.putObject("tasks");
    for (ProjectTask t : tasks) {
      order.add(t.taskId());
      ObjectNode n = ts.putObject(t.taskId());
      n.put("task_id", t.taskId());
      n.put("title", t.title());
      n.put("prompt", t.prompt());
      n.set("depends_on", strings(t.dependsOn()));
      n.set("acceptance_criteria", strings(t.acceptanceCriteria()));
      n.put("task_kind", t.integration() ? "integration" : "implementation");
      n.put("system_generated", t.integration() && t.taskId().equals(ProjectGraph.INTEGRATION_ID));
      n.put("status", "pending");
      n.put("attempts", 0);
      n.put("branch", branch(id, t.taskId()));
      n.put("team_task_id", "");
    }
    String now = now();
    p.put("created_at", now);
    p.put("updated_at", now);
    withLock(() -> {
      save(p);
      return Boolean.TRUE;
    });
    log.info("project {} created: {} tasks on {}", id, tasks.size(), teams);
    return new Project(p.deepCopy());
  }

  /**
   * Queues a plan: a planner agent of {@code plannerTeamId} gets the spec and answers with a task
   * list; {@link #step} (or {@link #stepPlans}) turns the answer into a project.
   *
   * @param req the project's settings (its tasks are ignored)
   * @param spec what to build
   * @param plannerTeamId the team whose first idle agent plans
   * @param autoStart whether to start the project once it is created
   * @param requestId the request id of the command, or "" from the library
   * @return the plan as stored ({@code plan_id}, {@code status}, ...)
   */
  public ObjectNode plan(
      ProjectRequest req, String spec, String plannerTeamId, boolean autoStart, String requestId) {
    if (spec.isBlank()) {
      throw new IllegalArgumentException("The project spec is empty; describe what to build");
    }
    Path repo = checkRepo(req.repoPath());
    String base = baseBranch(repo, req.baseBranch());
    String planner = checkTeams(List.of(plannerTeamId), "planner team").get(0);
    List<String> workers = req.workerTeamIds().isEmpty()
        ? List.of(planner)
        : checkTeams(req.workerTeamIds(), "worker team");
    String planId = "plan-" + StateFormat.randomHex8();
    ObjectNode plan = JSON.createObjectNode();
    plan.put("plan_id", planId);
    plan.put("request_id", requestId);
    plan.put("title", req.title());
    plan.put("spec", spec);
    plan.put("repo_path", repo.toString());
    plan.put("base_branch", base);
    plan.put("planner_swarm_id", planner);
    plan.set("worker_swarm_ids", strings(workers));
    plan.put("auto_start", autoStart);
    plan.put("status", "queued");
    plan.put("created_at", now());
    withLock(() -> {
      savePlan(plan);
      return Boolean.TRUE;
    });
    ObjectNode q = JSON.createObjectNode();
    q.put("request_id", requestId);
    q.put("plan_id", planId);
    q.put("planner_swarm_id", planner);
    emit("project_plan_queued", q);
    stepPlans();
    return loadPlan(planId).orElse(plan);
  }

  /**
   * Moves every plan on: queued plans go to an idle planner agent, answered plans become
   * projects (or fail with the reason).
   */
  public void stepPlans() {
    List<ObjectNode> todo = withLock(() -> {
      List<ObjectNode> created = new ArrayList<>();
      for (ObjectNode plan : plans()) {
        String status = plan.path("status").asString();
        if (status.equals("queued")) {
          dispatchPlan(plan);
        } else if (status.equals("planning")) {
          ObjectNode done = collectPlan(plan);
          if (done != null) {
            created.add(done);
          }
        }
      }
      return created;
    });
    for (ObjectNode plan : todo) {
      if (plan.path("auto_start").asBoolean()
          && plan.path("status").asString().equals("completed")) {
        start(plan.path("project_id").asString());
      }
    }
  }

  /** The task id a plan request's injection is tagged with (its project id is the plan's id). */
  public static final String PLAN_TASK = "plan";

  private void dispatchPlan(ObjectNode plan) {
    String teamId = plan.path("planner_swarm_id").asString();
    Optional<Team> team = findTeam(teamId);
    if (team.isEmpty()) {
      failPlan(plan, "planner team '" + teamId + "' no longer exists");
      return;
    }
    Set<String> busy = busyAgents();
    Optional<AgentInfo> agent = idleAgents(team.get(), busy).stream().findFirst();
    if (agent.isEmpty()) {
      return;
    }
    String planId = plan.path("plan_id").asString();
    String injection = "project:" + planId + ":plan:" + StateFormat.randomHex8();
    Task tt = team.get()
        .tasks()
        .create(TaskSpec.of("Plan project: " + plan.path("title").asString())
            .withDescription(plan.path("spec").asString())
            .withMetadata("project_plan_id", planId));
    plan.put("status", "planning");
    plan.put("planner_node_id", agent.get().id());
    plan.put("team_task_id", tt.id());
    plan.put("injection_id", injection);
    savePlan(plan);
    team.get().tasks().claim(tt.id(), agent.get().id(), LEASE);
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "project_plan");
    body.put("request_id", injection);
    body.put("plan_id", planId);
    body.put("team_id", team.get().id());
    body.put("team_task_id", tt.id());
    body.put("title", plan.path("title").asString());
    body.put("spec", plan.path("spec").asString());
    body.put("repo_path", plan.path("repo_path").asString());
    body.put("base_branch", plan.path("base_branch").asString());
    String text = "Plan the project '" + plan.path("title").asString() + "'.\n\n"
        + plan.path("spec").asString() + "\n\nInspect the repository at "
        + plan.path("repo_path").asString() + " (branch "
        + plan.path("base_branch").asString()
        + "). Decompose the work into implementation tasks (no integration task; it is added"
        + " automatically). Answer by completing team task " + tt.id() + " with metadata"
        + " task_graph set to: " + ProjectGraph.MARKER + " followed by a fenced JSON block"
        + " {\"tasks\": [{\"task_id\", \"title\", \"prompt\", \"depends_on\": [],"
        + " \"acceptance_criteria\": []}]}, e.g.\n  nemospawn task update " + tt.id()
        + " --team " + team.get().id() + " --status done --metadata 'task_graph=...'\n\n"
        + TASK_MARKER + " " + body + "\n";
    // A swarm node whose agent CLI reads no team inbox gets the plan request as an injection of
    // its swarm, tagged with the plan id as its project and "plan" as its task.
    Optional<String> delivered =
        delivery.deliver(team.get().id(), agent.get().id(), text, injection, planId, PLAN_TASK);
    if (delivered.isPresent()) {
      injection = delivered.get();
      plan.put("injection_id", injection);
    } else {
      team.get().inbox().send(planId, agent.get().id(), text);
    }
    plan.put("delivered", true);
    savePlan(plan);
    ObjectNode e = JSON.createObjectNode();
    e.put("request_id", plan.path("request_id").asString());
    e.put("plan_id", planId);
    e.put("planner_swarm_id", team.get().id());
    e.put("planner_node_id", agent.get().id());
    e.put("injection_id", injection);
    emit("project_plan_started", e);
  }

  private @Nullable ObjectNode collectPlan(ObjectNode plan) {
    Optional<Team> team = findTeam(plan.path("planner_swarm_id").asString());
    if (team.isEmpty()) {
      failPlan(
          plan, "planner team '" + plan.path("planner_swarm_id").asString() + "' no longer exists");
      return plan;
    }
    Optional<Task> tt = team.get().tasks().find(plan.path("team_task_id").asString());
    if (tt.isEmpty()) {
      failPlan(
          plan,
          "the planner's team task " + plan.path("team_task_id").asString() + " no longer exists");
      return plan;
    }
    TaskState s = tt.get().state();
    if (s == TaskState.FAILED || s == TaskState.CANCELLED) {
      Object err = tt.get().metadata().get("error");
      failPlan(plan, "the planner's task ended " + s.wireName() + (err == null ? "" : ": " + err));
      return plan;
    }
    if (s != TaskState.DONE) {
      return null;
    }
    Object answer = tt.get().metadata().get("task_graph");
    if (answer == null) {
      answer = tt.get().metadata().get("result");
    }
    List<ProjectTask> tasks;
    try {
      tasks = ProjectGraph.parsePlannerAnswer(answer == null ? "" : String.valueOf(answer));
    } catch (ProjectGraphException e) {
      failPlan(plan, String.valueOf(e.getMessage()));
      return plan;
    }
    List<String> workers = new ArrayList<>();
    plan.path("worker_swarm_ids").forEach(w -> workers.add(w.asString()));
    Project p;
    try {
      p = createLocked(new ProjectRequest(
          plan.path("title").asString(),
          Path.of(plan.path("repo_path").asString()),
          plan.path("base_branch").asString(),
          workers,
          tasks,
          plan.path("plan_id").asString()));
    } catch (IllegalArgumentException e) {
      failPlan(plan, String.valueOf(e.getMessage()));
      return plan;
    }
    plan.put("status", "completed");
    plan.put("project_id", p.projectId());
    savePlan(plan);
    ObjectNode created = JSON.createObjectNode();
    created.put("request_id", plan.path("request_id").asString());
    created.put("project_id", p.projectId());
    created.put("title", p.title());
    emit("project_created", created);
    ObjectNode done = JSON.createObjectNode();
    done.put("request_id", plan.path("request_id").asString());
    done.put("plan_id", plan.path("plan_id").asString());
    done.put("project_id", p.projectId());
    emit("project_plan_completed", done);
    emitUpdated();
    return plan;
  }

  // create() takes the lock itself; the plan path already holds it (the lock is reentrant).
  private Project createLocked(ProjectRequest req) {
    return create(req);
  }

  private void failPlan(ObjectNode plan, String reason) {
    plan.put("status", "failed");
    plan.put("last_error", reason);
    savePlan(plan);
    ObjectNode e = JSON.createObjectNode();
    e.put("request_id", plan.path("request_id").asString());
    e.put("plan_id", plan.path("plan_id").asString());
    e.put("reason", reason);
    emit("project_plan_failed", e);
  }

  // ---------------------------------------------------------------- start and step

  /**
   * Starts a project (idempotent: a running project stays running) and dispatches what is ready.
   *
   * @param projectId the project
   * @return the project after the first dispatch
   * @throws NoSuchElementException for an unknown project
   */
  public Project start(String projectId) {
    withLock(() -> {
      ObjectNode p = require(projectId);
      String s = p.path("status").asString();
      if (s.equals("draft") || s.equals("error")) {
        p.put("status", "running");
        p.put("started_at", now());
        save(p);
      }
      return Boolean.TRUE;
    });
    return step(projectId);
  }

  /**
   * Moves a running project on once: checks assigned tasks against the team's task graph and
   * their branches, dispatches ready tasks to idle agents (task order, then teams in order, then
   * agents by creation time), runs the integration merge when its turn comes, and settles the
   * status ({@code completed}, or {@code attention} when something failed and nothing can move).
   *
   * @param projectId the project
   * @return the project afterwards
   */
  public Project step(String projectId) {
    boolean[] changed = {false};
    Project out = withLock(() -> {
      ObjectNode p = require(projectId);
      // Saved (and announced) only when the step changed something: an idle dispatcher writes
      // nothing and broadcasts nothing.
      String before = p.toString();
      if (p.path("status").asString().equals("running")
          || p.path("status").asString().equals("attention")) {
        stepLocked(p);
      }
      changed[0] = !before.equals(p.toString());
      if (changed[0]) {
        p.put("updated_at", now());
        save(p);
      }
      return new Project(p.deepCopy());
    });
    if (changed[0]) {
      emitUpdated();
    }
    return out;
  }

  private void stepLocked(ObjectNode p) {
    Team home = team(p.path("home_team_id").asString());
    Path repo = Path.of(p.path("repo_path").asString());
    if (p.path("base_commit").asString().isEmpty()) {
      String base = Git.commit(repo, p.path("base_branch").asString());
      if (base.isEmpty()) {
        error(p, "base branch '" + p.path("base_branch").asString() + "' is gone from " + repo);
        return;
      }
      p.put("base_commit", base);
      save(p);
    }
    ensureTeamTasks(p, home);
    ObjectNode tasks = (ObjectNode) p.get("tasks");
    // 1. Assigned tasks: deliver what a crash left undelivered, collect finished ones.
    for (JsonNode idn : p.path("task_order")) {
      ObjectNode t = (ObjectNode) tasks.get(idn.asString());
      if (!t.path("status").asString().equals("assigned")) {
        continue;
      }
      if (!t.path("delivered").asBoolean()) {
        // A crash came between the write-ahead record and the message: the agent never got the
        // task, so the preparation is redone (it is idempotent) and the message sent.
        Optional<AgentInfo> agent = findTeam(t.path("assigned_swarm_id").asString())
            .flatMap(team -> team.agents().find(t.path("assigned_node_id").asString()));
        if (agent.isEmpty()) {
          fail(p, t, "agent " + t.path("assigned_node_id").asString() + " is gone");
          continue;
        }
        dispatch(p, t, home, agent.get(), repo);
        if (!t.path("status").asString().equals("assigned")) {
          continue;
        }
      }
      Optional<Task> tt = home.tasks().find(t.path("team_task_id").asString());
      if (tt.isEmpty()) {
        fail(p, t, "team task " + t.path("team_task_id").asString() + " is gone");
        continue;
      }
      TaskState s = tt.get().state();
      if (s == TaskState.DONE) {
        verifyDone(p, t, repo);
      } else if (s == TaskState.FAILED || s == TaskState.CANCELLED) {
        Object err = tt.get().metadata().get("error");
        fail(p, t, "the agent reported the task " + s.wireName() + (err == null ? "" : ": " + err));
      }
    }
    // 2. Dispatch ready tasks.
    Set<String> busy = busyAgents();
    List<AgentInfo> idle = new ArrayList<>();
    for (JsonNode w : p.path("worker_swarm_ids")) {
      findTeam(w.asString()).ifPresent(team -> idle.addAll(idleAgents(team, busy)));
    }
    for (String id : readyTasks(p)) {
      ObjectNode t = (ObjectNode) tasks.get(id);
      if (t.path("task_kind").asString().equals("integration")) {
        integrate(p, t, home, repo);
        continue;
      }
      if (idle.isEmpty()) {
        break;
      }
      AgentInfo agent = idle.remove(0);
      assign(p, t, home, agent, repo);
    }
    settle(p);
  }

  /** Pending tasks whose dependencies are all completed, in task order. */
  static List<String> readyTasks(ObjectNode p) {
    List<String> order = new ArrayList<>();
    Map<String, List<String>> deps = new HashMap<>();
    Set<String> pending = new HashSet<>();
    Set<String> completed = new HashSet<>();
    JsonNode tasks = p.path("tasks");
    for (JsonNode idn : p.path("task_order")) {
      String id = idn.asString();
      order.add(id);
      JsonNode t = tasks.path(id);
      List<String> d = new ArrayList<>();
      t.path("depends_on").forEach(x -> d.add(x.asString()));
      deps.put(id, d);
      String s = t.path("status").asString();
      if (s.equals("pending")) {
        pending.add(id);
      } else if (s.equals("completed")) {
        completed.add(id);
      }
    }
    return ProjectGraph.ready(order, deps, pending, completed);
  }

  private void ensureTeamTasks(ObjectNode p, Team home) {
    // Idempotent: a crash between creating a team task and saving its id is repaired by
    // finding the team task through its metadata.
    Map<String, String> existing = new HashMap<>();
    boolean missing = false;
    for (JsonNode t : p.path("tasks")) {
      missing |= t.path("team_task_id").asString().isEmpty();
    }
    if (!missing) {
      return;
    }
    String pid = p.path("project_id").asString();
    for (Task t : home.tasks().list().items()) {
      if (pid.equals(t.metadata().get("project_id"))) {
        existing.put(String.valueOf(t.metadata().get("project_task_id")), t.id());
      }
    }
    for (JsonNode idn : p.path("task_order")) {
      ObjectNode t = (ObjectNode) p.path("tasks").get(idn.asString());
      if (!t.path("team_task_id").asString().isEmpty()) {
        continue;
      }
      String ttid = existing.get(idn.asString());
      if (ttid == null) {
        ttid = home.tasks().create(teamTaskSpec(p, t)).id();
      }
      t.put("team_task_id", ttid);
      save(p);
    }
  }

  private static TaskSpec teamTaskSpec(ObjectNode p, JsonNode t) {
    List<String> deps = new ArrayList<>();
    t.path("depends_on").forEach(x -> deps.add(x.asString()));
    return TaskSpec.of(t.path("title").asString())
        .withDescription(t.path("prompt").asString())
        .withMetadata("project_id", p.path("project_id").asString())
        .withMetadata("project_task_id", t.path("task_id").asString())
        .withMetadata("project_branch", t.path("branch").asString())
        .withMetadata("project_depends_on", String.join(",", deps))
        .withMetadata("task_kind", t.path("task_kind").asString());
  }

  private void assign(ObjectNode p, ObjectNode t, Team home, AgentInfo agent, Path repo) {
    String pid = p.path("project_id").asString();
    String tid = t.path("task_id").asString();
    // Write-ahead: the assignment is on disk before anything reaches the agent.
    t.put("status", "assigned");
    t.put("attempts", t.path("attempts").asInt() + 1);
    t.put("assigned_swarm_id", agent.teamId());
    t.put("assigned_node_id", agent.id());
    t.put("last_assigned_swarm_id", agent.teamId());
    t.put("last_assigned_node_id", agent.id());
    t.put("request_id", "project:" + pid + ":" + tid + ":" + StateFormat.randomHex8());
    t.put("delivered", false);
    t.put("updated_at", now());
    t.remove("last_error");
    save(p);
    dispatch(p, t, home, agent, repo);
  }

  /** Prepares the worktree, claims the team task for the agent and sends the task. */
  private void dispatch(ObjectNode p, ObjectNode t, Team home, AgentInfo agent, Path repo) {
    Path wt = worktree(p, agent.id());
    try {
      prepareWorktree(p, t, repo, wt);
    } catch (IllegalStateException e) {
      fail(p, t, String.valueOf(e.getMessage()));
      home.tasks().find(t.path("team_task_id").asString()).ifPresent(x -> {
        if (x.state().canMoveTo(TaskState.FAILED)) {
          home.tasks()
              .update(
                  x.id(),
                  TaskUpdate.of(TaskState.FAILED)
                      .withMetadata("error", String.valueOf(e.getMessage())));
        }
      });
      return;
    }
    t.put("worktree", wt.toString());
    save(p);
    Task tt = home.tasks().get(t.path("team_task_id").asString());
    if (tt.state() != TaskState.RUNNING || !tt.owner().equals(agent.id())) {
      if (tt.state() != TaskState.PENDING) {
        tt = resetTeamTask(p, t, home);
      }
      home.tasks().claim(tt.id(), agent.id(), LEASE);
    }
    deliver(p, t);
  }

  private void deliver(ObjectNode p, ObjectNode t) {
    String agentTeam = t.path("assigned_swarm_id").asString();
    Team team = team(agentTeam);
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "project_task");
    body.put("request_id", t.path("request_id").asString());
    body.put("project_id", p.path("project_id").asString());
    body.put("task_id", t.path("task_id").asString());
    body.put("team_id", p.path("home_team_id").asString());
    body.put("team_task_id", t.path("team_task_id").asString());
    body.put("branch", t.path("branch").asString());
    body.put("base_branch", p.path("base_branch").asString());
    body.put("base_commit", t.path("base_commit").asString());
    body.put("worktree", t.path("worktree").asString());
    body.put("title", t.path("title").asString());
    body.put("prompt", t.path("prompt").asString());
    body.set("depends_on", t.path("depends_on").deepCopy());
    body.set("acceptance_criteria", t.path("acceptance_criteria").deepCopy());
    String text = "Project '" + p.path("title").asString() + "', task "
        + t.path("task_id").asString() + ": " + t.path("title").asString() + "\n\n"
        + t.path("prompt").asString() + "\n\nWork in " + t.path("worktree").asString()
        + ", which is checked out on branch " + t.path("branch").asString() + " (the base branch "
        + p.path("base_branch").asString() + " plus the branches of the tasks this one depends on)."
        + " Commit your work on that branch, then run\n  nemospawn task update "
        + t.path("team_task_id").asString() + " --team "
        + p.path("home_team_id").asString()
        + " --status done\n(or --status failed --metadata error=WHY).\n\n" + TASK_MARKER + " "
        + body + "\n";
    Optional<String> injection = delivery.deliver(
        agentTeam,
        t.path("assigned_node_id").asString(),
        text,
        t.path("request_id").asString(),
        p.path("project_id").asString(),
        t.path("task_id").asString());
    if (injection.isPresent()) {
      t.put("injection_id", injection.get());
    } else {
      t.remove("injection_id");
      team.inbox()
          .send(p.path("project_id").asString(), t.path("assigned_node_id").asString(), text);
    }
    t.put("delivered", true);
    t.put("dispatched_at", now());
    save(p);
  }

  private void prepareWorktree(ObjectNode p, ObjectNode t, Path repo, Path wt) {
    if (!Files.isDirectory(wt.resolve(".git")) && !Files.isRegularFile(wt.resolve(".git"))) {
      Git.run(repo, "worktree", "prune");
      Git.must(
          repo,
          "worktree",
          "add",
          "--detach",
          wt.toString(),
          p.path("base_commit").asString());
    }
    Git.must(wt, "reset", "--hard", "--quiet");
    Git.must(wt, "clean", "-fdq");
    Git.must(wt, "checkout", "--quiet", "--detach", p.path("base_commit").asString());
    Git.must(wt, "checkout", "--quiet", "-B", t.path("branch").asString());
    for (JsonNode d : t.path("depends_on")) {
      JsonNode dep = p.path("tasks").path(d.asString());
      Git.Result r =
          Git.run(wt, "merge", "--no-edit", "--quiet", dep.path("branch").asString());
      if (!r.ok()) {
        List<String> files = conflicts(wt);
        Git.run(wt, "merge", "--abort");
        throw new IllegalStateException(
            "merging dependency branch " + dep.path("branch").asString() + " conflicts"
                + (files.isEmpty() ? ": " + r.err() : " in " + files));
      }
    }
    t.put("base_commit", Git.commit(wt, "HEAD"));
  }

  private static List<String> conflicts(Path wt) {
    String out = Git.run(wt, "diff", "--name-only", "--diff-filter=U").out();
    return out.isEmpty() ? List.of() : List.of(out.split("\n"));
  }

  private void verifyDone(ObjectNode p, ObjectNode t, Path repo) {
    String branch = t.path("branch").asString();
    String tip = Git.commit(repo, "refs/heads/" + branch);
    String base = t.path("base_commit").asString();
    String problem = null;
    if (tip.isEmpty()) {
      problem = "branch " + branch + " does not exist";
    } else if (tip.equals(base)) {
      problem = "branch " + branch + " has no commit beyond its base " + base;
    } else if (!base.isEmpty() && !Git.isAncestor(repo, base, tip)) {
      problem = "branch " + branch + " does not contain its base " + base;
    }
    detach(t);
    if (problem != null) {
      fail(p, t, "invalid_result: the agent reported done but " + problem);
      return;
    }
    t.put("status", "completed");
    t.put("head_commit", tip);
    t.put("verified_branch_commit", tip);
    t.put("verified_at", now());
    t.put("updated_at", now());
    t.remove("assigned_swarm_id");
    t.remove("assigned_node_id");
    save(p);
  }

  private void detach(ObjectNode t) {
    // Frees the branch so another agent's worktree can check it out on a retry.
    String wt = t.path("worktree").asString();
    if (!wt.isEmpty() && Files.isDirectory(Path.of(wt))) {
      Git.run(Path.of(wt), "checkout", "--quiet", "--detach");
    }
  }

  private void fail(ObjectNode p, ObjectNode t, String reason) {
    detach(t);
    t.put("status", "failed");
    t.put("last_error", reason);
    t.put("updated_at", now());
    t.remove("assigned_swarm_id");
    t.remove("assigned_node_id");
    save(p);
    log.info(
        "project {} task {} failed: {}",
        p.path("project_id").asString(),
        t.path("task_id").asString(),
        reason);
  }

  private void integrate(ObjectNode p, ObjectNode t, Team home, Path repo) {
    String pid = p.path("project_id").asString();
    t.put("status", "assigned");
    t.put("attempts", t.path("attempts").asInt() + 1);
    t.put("assigned_node_id", "integrator");
    t.put(
        "request_id",
        "project:" + pid + ":" + t.path("task_id").asString() + ":" + StateFormat.randomHex8());
    save(p);
    Path wt = dir.resolve(pid).resolve("integration");
    Task tt = home.tasks().get(t.path("team_task_id").asString());
    if (tt.state() != TaskState.PENDING && tt.state() != TaskState.RUNNING) {
      tt = resetTeamTask(p, t, home);
    }
    String branch = t.path("branch").asString();
    String problem = null;
    try {
      if (!Files.exists(wt.resolve(".git"))) {
        Git.run(repo, "worktree", "prune");
        Git.must(
            repo,
            "worktree",
            "add",
            "--detach",
            wt.toString(),
            p.path("base_commit").asString());
      }
      Git.must(wt, "reset", "--hard", "--quiet");
      Git.must(wt, "clean", "-fdq");
      Git.must(wt, "checkout", "--quiet", "--detach", p.path("base_commit").asString());
      Git.must(wt, "checkout", "--quiet", "-B", branch);
      for (JsonNode idn : p.path("task_order")) {
        JsonNode other = p.path("tasks").path(idn.asString());
        if (other.path("task_kind").asString().equals("integration")) {
          continue;
        }
        String b = other.path("branch").asString();
        Git.Result r =
            Git.run(wt, "merge", "--no-ff", "--no-edit", "--quiet", "-m", "Merge " + b, b);
        if (!r.ok()) {
          List<String> files = conflicts(wt);
          Git.run(wt, "merge", "--abort");
          problem = "merge conflict: merging " + b + " into " + branch + " conflicts in "
              + (files.isEmpty() ? r.err() : String.join(", ", files));
          t.set("conflict_files", strings(files));
          break;
        }
      }
    } catch (IllegalStateException e) {
      problem = String.valueOf(e.getMessage());
    }
    Git.run(wt, "checkout", "--quiet", "--detach");
    if (problem != null) {
      home.tasks().update(tt.id(), TaskUpdate.of(TaskState.FAILED).withMetadata("error", problem));
      t.put("assigned_node_id", "");
      fail(p, t, problem);
      return;
    }
    String head = Git.commit(repo, "refs/heads/" + branch);
    home.tasks().update(tt.id(), TaskUpdate.of(TaskState.DONE).withMetadata("head_commit", head));
    t.put("status", "completed");
    t.put("head_commit", head);
    t.put("verified_branch_commit", head);
    t.put("verified_at", now());
    t.remove("assigned_node_id");
    t.remove("conflict_files");
    p.put("integration_head_commit", head);
    p.put("final_result_branch", branch);
    p.put("final_result_head_commit", head);
    save(p);
  }

  /** Puts a team task back to pending, or creates a fresh one when it cannot go back. */
  private Task resetTeamTask(ObjectNode p, ObjectNode t, Team home) {
    Optional<Task> cur = home.tasks().find(t.path("team_task_id").asString());
    if (cur.isPresent() && cur.get().state() == TaskState.PENDING) {
      return cur.get();
    }
    if (cur.isPresent() && cur.get().state().canMoveTo(TaskState.PENDING)) {
      return home.tasks()
          .update(cur.get().id(), TaskUpdate.of(TaskState.PENDING).withOwner(""));
    }
    // done and cancelled are final in the team's graph: a new attempt is a new team task.
    Task fresh = home.tasks()
        .create(teamTaskSpec(p, t)
            .withMetadata("previous_team_task_id", t.path("team_task_id").asString()));
    t.put("team_task_id", fresh.id());
    save(p);
    return fresh;
  }

  private void settle(ObjectNode p) {
    Map<String, Integer> counts = counts(p);
    boolean allDone =
        counts.getOrDefault("completed", 0) == p.path("task_order").size();
    String s = p.path("status").asString();
    if (allDone) {
      if (!s.equals("completed")) {
        p.put("status", "completed");
        p.put("completed_at", now());
        log.info(
            "project {} completed: {}",
            p.path("project_id").asString(),
            p.path("integration_head_commit").asString());
      }
    } else if (counts.getOrDefault("failed", 0) > 0
        && counts.getOrDefault("assigned", 0) == 0
        && counts.getOrDefault("ready", 0) == 0) {
      p.put("status", "attention");
    } else if (s.equals("attention")) {
      p.put("status", "running");
    }
    ObjectNode c = p.putObject("task_counts");
    counts.forEach(c::put);
  }

  static Map<String, Integer> counts(JsonNode p) {
    Map<String, Integer> c = new LinkedHashMap<>();
    for (String k : List.of("pending", "ready", "assigned", "completed", "failed", "blocked")) {
      c.put(k, 0);
    }
    Set<String> ready = new HashSet<>(readyTasks((ObjectNode) p));
    for (JsonNode t : p.path("tasks")) {
      String s = t.path("status").asString();
      c.merge(s, 1, Integer::sum);
      if (s.equals("pending")) {
        c.merge(
            ready.contains(t.path("task_id").asString()) ? "ready" : "blocked", 1, Integer::sum);
      }
    }
    return c;
  }

  private void error(ObjectNode p, String reason) {
    p.put("status", "error");
    p.put("last_error", reason);
    save(p);
  }

  // ---------------------------------------------------------------- resume

  /**
   * Computes what {@link #resume} would change, without changing anything.
   *
   * @param projectId the project
   * @param options retry/reverify flags and an optional replacement worker pool
   * @return the preview (the fields of §2.5's {@code project_resume_preview})
   */
  public ObjectNode resumePreview(String projectId, ResumeOptions options) {
    return withLock(() -> reconcile(require(projectId), options));
  }

  /**
   * Resumes a project: applies the preview's task changes, resets the team tasks that go back to
   * pending, sets the project running and dispatches.
   *
   * @param projectId the project
   * @param options retry/reverify flags and an optional replacement worker pool
   * @return the resume summary ({@code status}, {@code resume_summary}, {@code changed_task_ids})
   * @throws IllegalStateException when the preview is blocked (completed, live assignments, no
   *     workers), naming why
   */
  public ObjectNode resume(String projectId, ResumeOptions options) {
    ObjectNode out = withLock(() -> {
      ObjectNode p = require(projectId);
      ObjectNode preview = reconcile(p, options);
      if (preview.path("blocked").asBoolean()) {
        throw new IllegalStateException("Cannot resume project " + projectId + ": "
            + preview.path("blocked_reason").asString());
      }
      Team home = team(p.path("home_team_id").asString());
      for (JsonNode change : preview.path("task_changes")) {
        ObjectNode t = (ObjectNode) p.path("tasks").get(change.path("task_id").asString());
        String after = change.path("after_status").asString();
        t.put("status", after);
        t.put("resume_decision", change.path("resume_decision").asString());
        t.put("last_resume_reason", change.path("reason").asString());
        if (after.equals("pending")) {
          t.remove("assigned_swarm_id");
          t.remove("assigned_node_id");
          t.remove("head_commit");
          t.remove("verified_branch_commit");
          resetTeamTask(p, t, home);
        }
      }
      if (!options.workerTeamIds().isEmpty()) {
        p.set("worker_swarm_ids", strings(options.workerTeamIds()));
      }
      if (!p.path("tasks")
          .path(ProjectGraph.INTEGRATION_ID)
          .path("status")
          .asString()
          .equals("completed")) {
        p.remove("integration_head_commit");
        p.remove("final_result_head_commit");
      }
      p.put("status", "running");
      p.put("resume_count", p.path("resume_count").asInt() + 1);
      p.put("last_resume_at", now());
      p.set("last_resumed_by_worker_swarm_ids", p.path("worker_swarm_ids").deepCopy());
      p.set("resume_summary", preview.path("summary").deepCopy());
      save(p);
      ObjectNode r = JSON.createObjectNode();
      r.put("project_id", projectId);
      r.put("status", "running");
      r.set("resume_summary", preview.path("summary").deepCopy());
      r.set("changed_task_ids", preview.path("changed_task_ids").deepCopy());
      return r;
    });
    if (!step(projectId).json().path("updated_at").isMissingNode()) {
      emitUpdated();
    }
    return out;
  }

  private ObjectNode reconcile(ObjectNode p, ResumeOptions o) {
    String pid = p.path("project_id").asString();
    Path repo = Path.of(p.path("repo_path").asString());
    ObjectNode pv = JSON.createObjectNode();
    pv.put("project_id", pid);
    pv.put("title", p.path("title").asString());
    pv.put("status", p.path("status").asString());
    List<String> workers = new ArrayList<>();
    if (o.workerTeamIds().isEmpty()) {
      p.path("worker_swarm_ids").forEach(w -> workers.add(w.asString()));
    } else {
      workers.addAll(o.workerTeamIds());
    }
    String blocked = "";
    ArrayNode blocking = JSON.createArrayNode();
    Set<String> blockingTeams = new LinkedHashSet<>();
    for (String w : workers) {
      if (findTeam(w).isEmpty()) {
        blocked = "unknown worker team '" + StateFormat.printable(w) + "'";
      }
    }
    if (workers.isEmpty()) {
      blocked = "the project has no worker teams";
    }
    // Before/after status per task, then decisions.
    Map<String, String> after = new LinkedHashMap<>();
    Map<String, String[]> decision = new LinkedHashMap<>();
    JsonNode tasks = p.path("tasks");
    for (JsonNode idn : p.path("task_order")) {
      String id = idn.asString();
      JsonNode t = tasks.path(id);
      String s = t.path("status").asString();
      after.put(id, s);
      boolean integration = t.path("task_kind").asString().equals("integration");
      switch (s) {
        case "completed" -> {
          if (o.reverifyCompleted()) {
            String problem = integration ? verifyIntegration(p, t, repo) : verifyBranch(t, repo);
            if (problem == null) {
              decision.put(id, new String[] {"kept_completed", "branch verified"});
            } else {
              after.put(id, "pending");
              decision.put(id, new String[] {"downgraded_to_pending", problem});
            }
          }
        }
        case "assigned" -> {
          String agent = t.path("assigned_node_id").asString();
          String team = t.path("assigned_swarm_id").asString();
          if (!integration && isAlive(team, agent)) {
            ObjectNode b = blocking.addObject();
            b.put("task_id", id);
            b.put("swarm_id", team);
            b.put("node_id", agent);
            blockingTeams.add(team);
          } else {
            after.put(id, "pending");
            decision.put(
                id, new String[] {"reset_assigned", "its agent " + agent + " is not running"});
          }
        }
        case "failed" -> {
          if (o.retryFailed()) {
            after.put(id, "pending");
            decision.put(id, new String[] {
              "retried_failed", "retry_failed: " + t.path("last_error").asString()
            });
          }
        }
        default -> {}
      }
    }
    // Fixpoint: a completed task with a dependency that is not completed goes back.
    boolean again = true;
    while (again) {
      again = false;
      for (JsonNode idn : p.path("task_order")) {
        String id = idn.asString();
        if (!"completed".equals(after.get(id))) {
          continue;
        }
        for (JsonNode d : tasks.path(id).path("depends_on")) {
          if (!"completed".equals(after.get(d.asString()))) {
            after.put(id, "pending");
            decision.put(id, new String[] {
              "dependency_reset", "dependency " + d.asString() + " is " + after.get(d.asString())
            });
            again = true;
            break;
          }
        }
      }
    }
    if (blocking.size() > 0 && blocked.isEmpty()) {
      blocked = "tasks are assigned to agents that are still running: "
          + blocking.findValuesAsString("task_id");
    }
    if (p.path("status").asString().equals("completed")) {
      blocked = "the project is already completed";
    }
    pv.put("blocked", !blocked.isEmpty());
    pv.put("blocked_reason", blocked);
    pv.put("has_live_assignments", blocking.size() > 0);
    pv.set("blocking_assignments", blocking);
    pv.set("blocking_swarms", strings(List.copyOf(blockingTeams)));
    pv.put("retry_failed", o.retryFailed());
    pv.put("reverify_completed", o.reverifyCompleted());
    pv.set("worker_swarm_ids", strings(workers));
    ObjectNode copy = p.deepCopy();
    pv.set("counts_before", countsNode(counts(copy)));
    Map<String, Integer> summary = new LinkedHashMap<>();
    for (String k : List.of(
        "kept_completed",
        "recovered_from_branch",
        "downgraded_to_pending",
        "reset_assigned",
        "retried_failed",
        "dependency_reset")) {
      summary.put(k, 0);
    }
    ArrayNode changes = JSON.createArrayNode();
    ArrayNode changed = JSON.createArrayNode();
    for (JsonNode idn : p.path("task_order")) {
      String id = idn.asString();
      JsonNode t = tasks.path(id);
      String[] d = decision.get(id);
      if (d != null) {
        summary.merge(d[0], 1, Integer::sum);
      }
      String before = t.path("status").asString();
      ((ObjectNode) copy.path("tasks").get(id)).put("status", after.get(id));
      if (before.equals(after.get(id))) {
        continue;
      }
      changed.add(id);
      ObjectNode c = changes.addObject();
      c.put("task_id", id);
      c.put("title", t.path("title").asString());
      c.put("before_status", before);
      c.put("after_status", after.get(id));
      c.put("resume_decision", d == null ? "" : d[0]);
      c.put("reason", d == null ? "" : d[1]);
      c.put("branch", t.path("branch").asString());
      c.put("assigned_swarm_id", t.path("last_assigned_swarm_id").asString());
      c.put("assigned_node_id", t.path("last_assigned_node_id").asString());
    }
    pv.set("counts_after", countsNode(counts(copy)));
    pv.set("summary", countsNode(summary));
    pv.set("changed_task_ids", changed);
    pv.set("task_changes", changes);
    return pv;
  }

  private static ObjectNode countsNode(Map<String, Integer> m) {
    ObjectNode n = JSON.createObjectNode();
    m.forEach(n::put);
    return n;
  }

  private static @Nullable String verifyBranch(JsonNode t, Path repo) {
    String branch = t.path("branch").asString();
    String tip = Git.commit(repo, "refs/heads/" + branch);
    String head = t.path("head_commit").asString();
    if (tip.isEmpty()) {
      return "branch " + branch + " is gone";
    }
    if (head.isEmpty() || !Git.isAncestor(repo, head, tip)) {
      return "branch " + branch + " no longer contains the verified commit " + head;
    }
    return null;
  }

  private static @Nullable String verifyIntegration(JsonNode p, JsonNode t, Path repo) {
    String problem = verifyBranch(t, repo);
    if (problem != null) {
      return problem;
    }
    String tip = Git.commit(repo, "refs/heads/" + t.path("branch").asString());
    for (JsonNode other : p.path("tasks")) {
      String h = other.path("head_commit").asString();
      if (!other.path("task_kind").asString().equals("integration")
          && (h.isEmpty() || !Git.isAncestor(repo, h, tip))) {
        return "the integration branch lacks task " + other.path("task_id").asString();
      }
    }
    return null;
  }

  private boolean isAlive(String teamId, String agentId) {
    try {
      Optional<Team> t = findTeam(teamId);
      if (t.isEmpty()) {
        return false;
      }
      Agent a = t.get().agent(agentId);
      return a.isAlive();
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- queries

  /**
   * Every project, oldest first.
   *
   * @return the projects
   */
  public List<Project> list() {
    return withLock(
        () -> projects().stream().map(p -> new Project(p.deepCopy())).toList());
  }

  /**
   * One project.
   *
   * @param projectId the id
   * @return the project
   * @throws NoSuchElementException naming the id and the known ones
   */
  public Project get(String projectId) {
    return withLock(() -> new Project(require(projectId).deepCopy()));
  }

  /**
   * One plan.
   *
   * @param planId the id
   * @return the plan, if there is one
   */
  public Optional<ObjectNode> findPlan(String planId) {
    return withLock(() -> loadPlan(planId));
  }

  /**
   * Steps plans and the project until it is completed, needs attention or errs, or the time is
   * up.
   *
   * @param projectId the project
   * @param timeout how long to wait
   * @return the project at the end
   * @throws InterruptedException when interrupted while waiting
   */
  public Project awaitSettled(String projectId, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      Project p = step(projectId);
      if (p.isSettled() || System.nanoTime() > end) {
        return p;
      }
      Thread.sleep(200);
    }
  }

  /**
   * Steps the plans until the plan is completed or failed, or the time is up.
   *
   * @param planId the plan
   * @param timeout how long to wait
   * @return the plan at the end
   * @throws InterruptedException when interrupted while waiting
   */
  public ObjectNode awaitPlan(String planId, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      stepPlans();
      ObjectNode plan = findPlan(planId)
          .orElseThrow(() ->
              new NoSuchElementException("Unknown plan '" + StateFormat.printable(planId) + "'"));
      String s = plan.path("status").asString();
      if (s.equals("completed") || s.equals("failed") || System.nanoTime() > end) {
        return plan;
      }
      Thread.sleep(200);
    }
  }

  /** Steps every running project and every plan once (for a server's dispatcher thread). */
  public void stepAll() {
    stepPlans();
    for (Project p : list()) {
      if (p.status().equals("running") || p.status().equals("attention")) {
        try {
          step(p.projectId());
        } catch (RuntimeException e) {
          log.warn("stepping project {} failed", p.projectId(), e);
        }
      }
    }
  }

  /**
   * The {@code projects_updated} snapshot: every project by id.
   *
   * @return {@code {project_id: project}}
   */
  public ObjectNode snapshot() {
    ObjectNode all = JSON.createObjectNode();
    for (Project p : list()) {
      all.set(p.projectId(), p.json());
    }
    return all;
  }

  private void emitUpdated() {
    if (listeners.isEmpty()) {
      return;
    }
    ObjectNode e = JSON.createObjectNode();
    e.set("projects", snapshot());
    emit("projects_updated", e);
  }

  // ---------------------------------------------------------------- agents and teams

  /** Agents with an assigned task in any project or a plan being worked on. */
  private Set<String> busyAgents() {
    Set<String> busy = new HashSet<>();
    for (ObjectNode p : projects()) {
      for (JsonNode t : p.path("tasks")) {
        if (t.path("status").asString().equals("assigned")) {
          busy.add(t.path("assigned_node_id").asString());
        }
      }
    }
    for (ObjectNode plan : plans()) {
      if (plan.path("status").asString().equals("planning")) {
        busy.add(plan.path("planner_node_id").asString());
      }
    }
    return busy;
  }

  private static List<AgentInfo> idleAgents(Team team, Set<String> busy) {
    return team.agents().list().items().stream()
        .filter(a -> a.status() == AgentStatus.RUNNING && !busy.contains(a.id()))
        .sorted(Comparator.comparing(AgentInfo::createdAt).thenComparing(AgentInfo::id))
        .toList();
  }

  private List<String> checkTeams(List<String> ids, String what) {
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("No " + what + "s given; name at least one team");
    }
    List<String> out = new ArrayList<>();
    for (String id : ids) {
      Optional<Team> t = ns.findTeam(id);
      t.ifPresent(Team::close);
      if (t.isEmpty()) {
        throw new IllegalArgumentException("Unknown " + what + " '" + StateFormat.printable(id)
            + "'; known teams: " + ns.teams().items().stream().map(x -> x.id()).toList());
      }
      out.add(t.get().id());
    }
    return out;
  }

  private static Path checkRepo(Path repo) {
    Path abs = repo.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new IllegalArgumentException("Repository path '" + abs + "' is not a directory");
    }
    Git.Result r = Git.run(abs, "rev-parse", "--show-toplevel");
    if (!r.ok()) {
      throw new IllegalArgumentException(
          "Repository path '" + abs + "' is not a git repository: " + r.err());
    }
    return Path.of(r.out());
  }

  private static String baseBranch(Path repo, String requested) {
    String b = requested;
    if (b.isEmpty()) {
      Git.Result head = Git.run(repo, "symbolic-ref", "--quiet", "--short", "HEAD");
      b = head.ok() ? head.out() : "main";
    }
    if (!Git.run(repo, "check-ref-format", "--branch", b).ok()
        || Git.commit(repo, "refs/heads/" + b).isEmpty()) {
      throw new IllegalArgumentException("Base branch '" + StateFormat.printable(b)
          + "' does not exist in " + repo + "; give an existing branch");
    }
    return b;
  }

  static String branch(String projectId, String taskId) {
    return "project/" + projectId + "/" + taskId;
  }

  private Path worktree(ObjectNode p, String agentId) {
    return dir.resolve(p.path("project_id").asString())
        .resolve("worktrees")
        .resolve(StateFormat.requireId("agent id", agentId));
  }

  // ---------------------------------------------------------------- persistence

  private ObjectNode require(String projectId) {
    StateFormat.requireId("project id", projectId);
    return load(projectId)
        .orElseThrow(() -> new NoSuchElementException("Unknown project '"
            + StateFormat.printable(projectId) + "'; known projects: "
            + projects().stream().map(p -> p.path("project_id").asString()).toList()));
  }

  private Optional<ObjectNode> load(String projectId) {
    return read(dir.resolve(projectId).resolve("project.json"));
  }

  private List<ObjectNode> projects() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(d -> d.getFileName().toString().startsWith("proj-"))
          .map(d -> read(d.resolve("project.json")))
          .flatMap(Optional::stream)
          .sorted(Comparator.comparing((ObjectNode p) -> p.path("created_at").asString())
              .thenComparing(p -> p.path("project_id").asString()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<ObjectNode> plans() {
    Path pd = dir.resolve("plans");
    if (!Files.isDirectory(pd)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(pd)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".json"))
          .sorted()
          .map(Projects::read)
          .flatMap(Optional::stream)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Optional<ObjectNode> loadPlan(String planId) {
    StateFormat.requireId("plan id", planId);
    return read(dir.resolve("plans").resolve(planId + ".json"));
  }

  private static Optional<ObjectNode> read(Path f) {
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
      return n instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      log.warn("unreadable project file {} ignored: {}", f, e.getMessage());
      return Optional.empty();
    }
  }

  private void save(ObjectNode p) {
    Path d =
        dir.resolve(StateFormat.requireId("project id", p.path("project_id").asString()));
    write(d.resolve("project.json"), p);
  }

  private void savePlan(ObjectNode plan) {
    plan.put("updated_at", now());
    write(
        dir.resolve("plans")
            .resolve(StateFormat.requireId("plan id", plan.path("plan_id").asString()) + ".json"),
        plan);
  }

  private void write(Path f, ObjectNode n) {
    try {
      Files.createDirectories(f.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicFiles.write(f, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n), durability);
  }

  private interface Locked<T> {
    T run();
  }

  private <T> T withLock(Locked<T> body) {
    ReentrantLock jvm =
        LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new ReentrantLock());
    jvm.lock();
    try {
      if (jvm.getHoldCount() > 1) {
        return body.run();
      }
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(
              dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock l = ch.lock()) {
        return body.run();
      } finally {
        for (Optional<Team> t : openTeams.values()) {
          t.ifPresent(Team::close);
        }
        openTeams.clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      jvm.unlock();
    }
  }

  /** Opens a team once per locked operation (only called with the lock held). */
  private Optional<Team> findTeam(String id) {
    Optional<Team> t = openTeams.get(id);
    if (t == null) {
      t = ns.findTeam(id);
      openTeams.put(id, t);
    }
    return t;
  }

  private Team team(String id) {
    return findTeam(id)
        .orElseThrow(() -> new NoSuchElementException(
            "Team '" + StateFormat.printable(id) + "' no longer exists"));
  }

  private String now() {
    return StateFormat.formatTimestamp(Instant.from(clock.instant()));
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = JSON.createArrayNode();
    values.forEach(a::add);
    return a;
  }

  @Override
  public String toString() {
    return "Projects[" + dir + "]";
  }
}
