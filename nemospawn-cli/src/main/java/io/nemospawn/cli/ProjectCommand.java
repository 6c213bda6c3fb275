package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.codeswarm.RouterClient;
import io.nemospawn.server.project.Project;
import io.nemospawn.server.project.ProjectGraph;
import io.nemospawn.server.project.ProjectRequest;
import io.nemospawn.server.project.ProjectTask;
import io.nemospawn.server.project.Projects;
import io.nemospawn.server.project.ResumeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code nemospawn project create|plan|list|start|resume|show}: planned projects (docs/projects.md).
 * With {@code --url} or {@code $NEMOSPAWN_URL} the commands are a client of the control plane: they
 * send the six {@code project_*} commands of {@code codeswarm.router.v1}, the server's dispatcher
 * runs the project, and {@code --wait} follows it. Without either, they work on the data directory
 * directly and {@code --wait} runs the dispatcher in this process until the project settles.
 */
@Command(
    name = "project",
    mixinStandardHelpOptions = true,
    description = "Planned projects: a task DAG on worker teams, one git branch per task,"
        + " an integration merge, resume with a preview.",
    subcommands = {
      ProjectCommand.CreateCmd.class,
      ProjectCommand.PlanCmd.class,
      ProjectCommand.ListCmd.class,
      ProjectCommand.StartCmd.class,
      ProjectCommand.ResumeCmd.class,
      ProjectCommand.ShowCmd.class
    })
final class ProjectCommand {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ProjectCommand() {}

  /** The options {@code create} and {@code plan} share. */
  static final class ProjectOptions {
    @Option(names = "--title", required = true, paramLabel = "TITLE", description = "Title.")
    String title;

    @Option(
        names = "--repo",
        required = true,
        paramLabel = "PATH",
        description = "Git checkout (with a control plane: a path on the server's machine).")
    Path repo;

    @Option(
        names = "--base-branch",
        defaultValue = "",
        paramLabel = "BRANCH",
        description = "Branch the tasks start from (default: the repository's current branch).")
    String baseBranch;

    @Option(names = "--start", description = "Start the project once it exists.")
    boolean start;

    /** The repository as the server should read it: absolute. */
    String repoPath() {
      return repo.toAbsolutePath().normalize().toString();
    }

    ProjectRequest request(List<String> teams, List<ProjectTask> tasks) {
      return new ProjectRequest(title, repo, baseBranch, teams, tasks, "");
    }
  }

  abstract static class ProjectSubcommand extends StateSubcommand {
    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        description = "Wait until the project is completed or needs attention, at most this long"
            + " (ISO-8601, e.g. PT30M); without a control plane this process dispatches"
            + " meanwhile.")
    @Nullable
    Duration wait;

    @Option(
        names = "--url",
        paramLabel = "tcp://HOST:PORT",
        description = "Work through this control plane (default: $NEMOSPAWN_URL; neither set:"
            + " on the data directory directly).")
    @Nullable
    String url;

    @Override
    public Integer call() throws Exception {
      String u = url != null ? url : io.nemospawn.spi.Environment.get(StateOptions.URL_ENV);
      if (u != null && !u.isBlank()) {
        URI uri;
        try {
          uri = URI.create(u.strip());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "Invalid control-plane URL '" + u + "'; use tcp://HOST:PORT", e);
        }
        try (RouterClient c = RouterClient.connect(uri, StateOptions.callerKey().orElse(null))) {
          return run(new Remote(c));
        }
      }
      try (NemoSpawn ns = open()) {
        return run(Projects.open(ns));
      }
    }

    /** Runs on the data directory directly. */
    abstract int run(Projects projects) throws Exception;

    /** Runs through a control plane. */
    abstract int run(Remote remote) throws Exception;

    /** Waits (with {@code --wait}) until the server's dispatcher settled the project. */
    Project settle(Remote remote, String projectId) throws InterruptedException {
      Project p = remote.get(projectId);
      if (wait == null) {
        return p;
      }
      long end = System.nanoTime() + wait.toNanos();
      while (!p.isSettled() && System.nanoTime() < end) {
        Thread.sleep(500);
        p = remote.get(projectId);
      }
      return p;
    }

    Project settle(Projects projects, Project p) throws InterruptedException {
      return wait == null ? p : projects.awaitSettled(p.projectId(), wait);
    }

    int print(Project p) {
      if (out.json()) {
        out.json(p.json());
      } else {
        out.println("Project " + p.projectId() + " (" + p.title() + "): " + p.status());
        List<List<String>> rows = new ArrayList<>();
        for (String id : p.taskOrder()) {
          JsonNode t = p.task(id);
          rows.add(List.of(
              id,
              t.path("status").asString(),
              t.path("last_assigned_node_id").asString(),
              t.path("branch").asString(),
              t.path("last_error").asString()));
        }
        out.table(List.of("TASK", "STATUS", "AGENT", "BRANCH", "ERROR"), rows);
      }
      return p.status().equals("attention") || p.status().equals("error")
          ? ExitCodes.FAILURE
          : ExitCodes.OK;
    }
  }

  /** The {@code project_*} commands of a control plane, answered by its ProjectProtocolHandler. */
  static final class Remote {
    private static final Duration ANSWER = Duration.ofMinutes(2);
    final RouterClient client;

    Remote(RouterClient client) {
      this.client = client;
    }

    JsonNode call(String command, ObjectNode payload, String reply) {
      return client.call(command, payload, reply, ANSWER);
    }

    List<Project> list() {
      JsonNode all =
          call("project_list", RouterClient.payload(), "project_list").path("projects");
      List<Project> out = new ArrayList<>();
      for (JsonNode p : all) {
        if (p instanceof ObjectNode o) {
          out.add(Project.of(o));
        }
      }
      return out;
    }

    Project get(String projectId) {
      JsonNode p = call("project_list", RouterClient.payload(), "project_list")
          .path("projects")
          .path(projectId);
      if (!(p instanceof ObjectNode o)) {
        throw new java.util.NoSuchElementException("No project '" + projectId
            + "' on the control plane; list them with nemospawn project list");
      }
      return Project.of(o);
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Creates a project from an explicit task list (JSON: a list or"
          + " {\"tasks\": [...]} with task_id, title, prompt, depends_on).")
  static final class CreateCmd extends ProjectSubcommand {
    @Mixin
    ProjectOptions project;

    @Option(
        names = "--team",
        required = true,
        paramLabel = "TEAM",
        description = "Worker team; repeatable. The first holds the task graph.")
    List<String> teams;

    @Option(
        names = "--tasks",
        required = true,
        paramLabel = "FILE",
        description = "JSON task list file ('-' for standard input).")
    String tasks;

    private List<ProjectTask> readTasks() throws IOException {
      String text = tasks.equals("-")
          ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
          : read(Path.of(tasks));
      JsonNode node;
      try {
        node = JSON.readTree(text);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "Task file '" + tasks + "' is not JSON: " + e.getMessage());
      }
      // validated here too, so a bad graph is refused before anything is sent
      return ProjectGraph.fromJson(node);
    }

    @Override
    int run(Projects projects) throws Exception {
      List<ProjectTask> list = readTasks();
      Project p = projects.create(project.request(teams, list));
      if (project.start) {
        p = settle(projects, projects.start(p.projectId()));
      }
      return print(p);
    }

    @Override
    int run(Remote remote) throws Exception {
      List<ProjectTask> list = readTasks();
      ObjectNode payload = RouterClient.payload()
          .put("title", project.title)
          .put("repo_path", project.repoPath())
          .put("base_branch", project.baseBranch)
          .put("auto_start", project.start);
      payload.set("worker_swarm_ids", JSON.valueToTree(teams));
      tools.jackson.databind.node.ArrayNode ts = payload.putArray("tasks");
      for (ProjectTask t : list) {
        ObjectNode o = ts.addObject()
            .put("task_id", t.taskId())
            .put("title", t.title())
            .put("prompt", t.prompt());
        o.set("depends_on", JSON.valueToTree(t.dependsOn()));
        o.set("acceptance_criteria", JSON.valueToTree(t.acceptanceCriteria()));
      }
      String id = remote
          .call("project_create", payload, "project_created")
          .path("project_id")
          .asString();
      Project p = project.start ? settle(remote, id) : remote.get(id);
      return print(p);
    }
  }

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      description = "Asks a planner agent to turn a spec into a task list; the answer becomes a"
          + " project.")
  static final class PlanCmd extends ProjectSubcommand {
    @Mixin
    ProjectOptions project;

    @Option(names = "--spec", required = true, paramLabel = "TEXT", description = "What to build.")
    String spec;

    @Option(
        names = "--planner-team",
        required = true,
        paramLabel = "TEAM",
        description = "Team whose first idle agent plans.")
    String planner;

    @Option(
        names = "--team",
        paramLabel = "TEAM",
        description = "Worker team; repeatable (default: the planner team).")
    List<String> teams = new ArrayList<>();

    @Override
    int run(Remote remote) throws Exception {
      ObjectNode payload = RouterClient.payload()
          .put("title", project.title)
          .put("repo_path", project.repoPath())
          .put("base_branch", project.baseBranch)
          .put("spec", spec)
          .put("planner_swarm_id", planner)
          .put("auto_start", project.start);
      payload.set("worker_swarm_ids", JSON.valueToTree(teams));
      String rid = remote.client.send("project_plan", payload);
      JsonNode e = remote.client.await(
          n -> rid.equals(RouterClient.requestId(n))
              && List.of("project_plan_queued", "command_rejected")
                  .contains(n.path("event").asString("")),
          Remote.ANSWER);
      if (e.path("event").asString("").equals("command_rejected")) {
        throw RouterClient.refused("project_plan", e.path("data"));
      }
      ObjectNode plan = ((ObjectNode) e.path("data")).deepCopy();
      plan.put("status", "queued");
      if (wait != null) {
        String planId = plan.path("plan_id").asString();
        JsonNode done = remote.client.await(
            n -> planId.equals(n.path("data").path("plan_id").asString(""))
                && List.of("project_plan_completed", "project_plan_failed")
                    .contains(n.path("event").asString("")),
            wait);
        boolean ok = done.path("event").asString("").equals("project_plan_completed");
        plan.put("status", ok ? "completed" : "failed");
        plan.put("project_id", done.path("data").path("project_id").asString(""));
        plan.put("last_error", done.path("data").path("reason").asString(""));
        if (ok && project.start) {
          settle(remote, plan.path("project_id").asString());
        }
      }
      return printPlan(plan);
    }

    @Override
    int run(Projects projects) throws Exception {
      ObjectNode plan =
          projects.plan(project.request(teams, List.of()), spec, planner, project.start, "");
      if (wait != null) {
        plan = projects.awaitPlan(plan.path("plan_id").asString(), wait);
        String pid = plan.path("project_id").asString();
        if (project.start && !pid.isEmpty()) {
          projects.awaitSettled(pid, wait);
        }
      }
      return printPlan(plan);
    }

    int printPlan(ObjectNode plan) {
      if (out.json()) {
        out.json(plan);
      } else {
        out.println("Plan " + plan.path("plan_id").asString() + ": "
            + plan.path("status").asString()
            + (plan.path("project_id").asString().isEmpty()
                ? ""
                : ", project " + plan.path("project_id").asString())
            + (plan.path("last_error").asString().isEmpty()
                ? ""
                : " (" + plan.path("last_error").asString() + ")"));
      }
      return plan.path("status").asString().equals("failed") ? ExitCodes.FAILURE : ExitCodes.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists projects.")
  static final class ListCmd extends ProjectSubcommand {
    @Override
    int run(Projects projects) {
      return list(projects.list());
    }

    @Override
    int run(Remote remote) {
      return list(remote.list());
    }

    private int list(List<Project> all) {
      if (out.json()) {
        out.json(all.stream().map(Project::json).toList());
      } else {
        out.table(
            List.of("PROJECT", "STATUS", "TASKS", "TITLE"),
            all.stream()
                .map(p -> List.of(
                    p.projectId(), p.status(), String.valueOf(p.taskOrder().size()), p.title()))
                .toList());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Starts a project (idempotent) and dispatches ready tasks once, or until it"
          + " settles with --wait.")
  static final class StartCmd extends ProjectSubcommand {
    @Parameters(index = "0", paramLabel = "PROJECT_ID", description = "The project.")
    String projectId;

    @Override
    int run(Projects projects) throws Exception {
      return print(settle(projects, projects.start(projectId)));
    }

    @Override
    int run(Remote remote) throws Exception {
      remote.call(
          "project_start", RouterClient.payload().put("project_id", projectId), "project_started");
      return print(settle(remote, projectId));
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Reconciles a project with its branches and carries on; --preview only shows"
          + " what would change.")
  static final class ResumeCmd extends ProjectSubcommand {
    @Parameters(index = "0", paramLabel = "PROJECT_ID", description = "The project.")
    String projectId;

    @Option(names = "--retry-failed", description = "Put failed tasks back to pending.")
    boolean retryFailed;

    @Option(
        names = "--no-reverify",
        description = "Keep completed tasks without checking their branches.")
    boolean noReverify;

    @Option(
        names = "--team",
        paramLabel = "TEAM",
        description = "Replacement worker team; repeatable.")
    List<String> teams = new ArrayList<>();

    @Option(names = "--preview", description = "Only show what the resume would change.")
    boolean preview;

    @Override
    int run(Remote remote) throws Exception {
      ObjectNode payload = RouterClient.payload()
          .put("project_id", projectId)
          .put("retry_failed", retryFailed)
          .put("reverify_completed", !noReverify);
      if (!teams.isEmpty()) {
        payload.set("worker_swarm_ids", JSON.valueToTree(teams));
      }
      if (preview) {
        return printPreview((ObjectNode) remote
            .call("project_resume_preview", payload, "project_resume_preview")
            .path("preview"));
      }
      remote.call("project_resume", payload, "project_resumed");
      return print(settle(remote, projectId));
    }

    @Override
    int run(Projects projects) throws Exception {
      ResumeOptions o = new ResumeOptions(retryFailed, !noReverify, teams);
      if (preview) {
        return printPreview(projects.resumePreview(projectId, o));
      }
      projects.resume(projectId, o);
      return print(settle(projects, projects.get(projectId)));
    }

    private int printPreview(ObjectNode pv) {
      {
        if (out.json()) {
          out.json(pv);
        } else {
          out.println("Resume of " + projectId
              + (pv.path("blocked").asBoolean()
                  ? " is blocked: " + pv.path("blocked_reason").asString()
                  : ": " + pv.path("task_changes").size() + " task(s) change"));
          List<List<String>> rows = new ArrayList<>();
          for (JsonNode c : pv.path("task_changes")) {
            rows.add(List.of(
                c.path("task_id").asString(),
                c.path("before_status").asString(),
                c.path("after_status").asString(),
                c.path("resume_decision").asString(),
                c.path("reason").asString()));
          }
          out.table(List.of("TASK", "BEFORE", "AFTER", "DECISION", "REASON"), rows);
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows a project.")
  static final class ShowCmd extends ProjectSubcommand {
    @Parameters(index = "0", paramLabel = "PROJECT_ID", description = "The project.")
    String projectId;

    @Override
    int run(Projects projects) {
      print(projects.get(projectId));
      return ExitCodes.OK;
    }

    @Override
    int run(Remote remote) {
      print(remote.get(projectId));
      return ExitCodes.OK;
    }
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read task file '" + f + "'", e);
    }
  }
}
