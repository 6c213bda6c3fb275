package io.nemospawn.server.project;

import io.nemospawn.server.Command;
import io.nemospawn.server.CommandContext;
import io.nemospawn.server.CommandRejectedException;
import io.nemospawn.server.ProtocolHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers the six {@code project_*} commands of {@code codeswarm.router.v1} (Codeswarm's
 * {@code codeswarm.md} §2.5) with the events of §2.6, on {@link Projects}. Swarm ids are team ids.
 * Every refusal is a {@link CommandRejectedException} whose reason names the value; nothing is
 * silently dropped. {@link #startDispatcher} runs a daemon thread that steps plans and running
 * projects and publishes what changes ({@code projects_updated}, {@code project_plan_*}, {@code
 * project_created}).
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class ProjectProtocolHandler implements ProtocolHandler, AutoCloseable {
  /** The protocol these commands belong to. */
  public static final String PROTOCOL = "codeswarm.router.v1";

  private static final Logger log = LoggerFactory.getLogger(ProjectProtocolHandler.class);
  private static final Set<String> COMMANDS = Set.of(
      "project_list",
      "project_create",
      "project_plan",
      "project_start",
      "project_resume",
      "project_resume_preview");

  private final Projects projects;
  private volatile @Nullable CommandContext publisher;
  private @Nullable ScheduledExecutorService dispatcher;

  /**
   * A handler on a project service; events the service raises on its own go to every client
   * through the context of the latest command.
   *
   * @param projects the service
   */
  public ProjectProtocolHandler(Projects projects) {
    this.projects = Objects.requireNonNull(projects, "projects");
    projects.subscribe((event, data) -> {
      CommandContext c = publisher;
      if (c != null) {
        c.publish(event, data);
      }
    });
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public Set<String> commands() {
    return COMMANDS;
  }

  @Override
  public boolean readOnly(Command command) {
    return command.name().equals("project_list") || command.name().equals("project_resume_preview");
  }

  /**
   * Starts stepping plans and running projects every {@code period} on a daemon thread.
   *
   * @param period the pause between steps
   */
  public synchronized void startDispatcher(Duration period) {
    if (dispatcher != null) {
      return;
    }
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nemospawn-projects-dispatch-1");
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(
        () -> {
          try {
            projects.stepAll();
          } catch (RuntimeException e) {
            log.warn("project dispatch step failed", e);
          }
        },
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
    dispatcher = s;
  }

  @Override
  public synchronized void close() {
    if (dispatcher != null) {
      dispatcher.shutdownNow();
      dispatcher = null;
    }
  }

  @Override
  public void handle(Command command, CommandContext context) {
    publisher = context;
    String rid = command.requestId() == null ? "" : command.requestId();
    ObjectNode payload = command.payload();
    try {
      switch (command.name()) {
        case "project_list" -> list(rid, context);
        case "project_create" -> create(rid, payload, context);
        case "project_plan" -> plan(rid, payload, context);
        case "project_start" -> start(rid, payload, context);
        case "project_resume" -> resume(rid, payload, context);
        case "project_resume_preview" -> preview(rid, payload, context);
        default ->
          throw new CommandRejectedException("unknown project command '" + command.name()
              + "'; known: " + COMMANDS.stream().sorted().toList());
      }
    } catch (CommandRejectedException e) {
      throw e;
    } catch (NoSuchElementException | IllegalArgumentException | IllegalStateException e) {
      throw new CommandRejectedException(String.valueOf(e.getMessage()));
    }
  }

  private void list(String rid, CommandContext c) {
    ObjectNode all = projects.snapshot();
    ObjectNode r = data(rid);
    r.set("projects", all);
    c.reply("project_list", r);
    ObjectNode u = Projects.JSON.createObjectNode();
    u.set("projects", all.deepCopy());
    c.publish("projects_updated", u);
  }

  private void create(String rid, ObjectNode p, CommandContext c) {
    String title = required(p, "title");
    Path repo = Path.of(repoPath(p));
    List<String> workers = strings(p.path("worker_swarm_ids"));
    if (workers.isEmpty()) {
      throw new CommandRejectedException("missing worker_swarm_ids: give at least one team id");
    }
    if (!p.path("tasks").isArray() || p.path("tasks").isEmpty()) {
      throw new CommandRejectedException("missing tasks: give a non-empty list of tasks");
    }
    List<ProjectTask> tasks = ProjectGraph.fromJson(p.path("tasks"));
    Project created = projects.create(
        new ProjectRequest(title, repo, p.path("base_branch").asString(""), workers, tasks, ""));
    ObjectNode r = data(rid);
    r.put("project_id", created.projectId());
    r.put("title", created.title());
    c.publish("project_created", r);
    publishUpdated(c);
    if (p.path("auto_start").asBoolean(false)) {
      Project started = projects.start(created.projectId());
      ObjectNode s = data(rid);
      s.put("project_id", started.projectId());
      s.put("status", started.status());
      c.publish("project_started", s);
    }
  }

  private void plan(String rid, ObjectNode p, CommandContext c) {
    String title = required(p, "title");
    String spec = required(p, "spec");
    String planner = required(p, "planner_swarm_id");
    Path repo = Path.of(repoPath(p));
    projects.plan(
        new ProjectRequest(
            title,
            repo,
            p.path("base_branch").asString(""),
            strings(p.path("worker_swarm_ids")),
            List.of(),
            ""),
        spec,
        planner,
        p.path("auto_start").asBoolean(false),
        rid);
  }

  private void start(String rid, ObjectNode p, CommandContext c) {
    Project s = projects.start(required(p, "project_id"));
    ObjectNode r = data(rid);
    r.put("project_id", s.projectId());
    r.put("status", s.status().equals("draft") ? "running" : s.status());
    c.publish("project_started", r);
  }

  private void resume(String rid, ObjectNode p, CommandContext c) {
    String id = required(p, "project_id");
    ObjectNode out;
    try {
      out = projects.resume(id, options(p));
    } catch (IllegalStateException e) {
      throw new CommandRejectedException(String.valueOf(e.getMessage()));
    }
    ObjectNode r = data(rid);
    r.put("project_id", id);
    r.put("status", out.path("status").asString());
    r.set("resume_summary", out.path("resume_summary").deepCopy());
    c.publish("project_resumed", r);
  }

  private void preview(String rid, ObjectNode p, CommandContext c) {
    String id = required(p, "project_id");
    ObjectNode r = data(rid);
    r.put("project_id", id);
    r.set("preview", projects.resumePreview(id, options(p)));
    c.reply("project_resume_preview", r);
  }

  private static ResumeOptions options(ObjectNode p) {
    return new ResumeOptions(
        p.path("retry_failed").asBoolean(false),
        p.path("reverify_completed").asBoolean(true),
        strings(p.path("worker_swarm_ids")));
  }

  private void publishUpdated(CommandContext c) {
    ObjectNode u = Projects.JSON.createObjectNode();
    u.set("projects", projects.snapshot());
    c.publish("projects_updated", u);
  }

  private static String repoPath(ObjectNode p) {
    String repo = p.path("repo_path").asString("");
    if (repo.isBlank()) {
      if (p.has("github_repo") || p.has("repo_mode")) {
        throw new CommandRejectedException(
            "GitHub repositories are not supported: give" + " repo_path, a local git checkout");
      }
      throw new CommandRejectedException("missing repo_path: give a local git checkout");
    }
    return repo;
  }

  private static String required(ObjectNode p, String field) {
    JsonNode v = p.get(field);
    if (v == null || !v.isString() || v.asString().isBlank()) {
      throw new CommandRejectedException("missing " + field + ": give a non-empty string");
    }
    return v.asString();
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(x -> out.add(x.asString()));
    }
    return out;
  }

  private static ObjectNode data(String rid) {
    ObjectNode d = Projects.JSON.createObjectNode();
    d.put("request_id", rid);
    return d;
  }

  @Override
  public String toString() {
    return "ProjectProtocolHandler[" + projects + "]";
  }
}
