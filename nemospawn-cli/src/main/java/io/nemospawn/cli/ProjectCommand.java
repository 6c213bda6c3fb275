package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.project.Project;
import io.nemospawn.server.project.ProjectGraph;
import io.nemospawn.server.project.ProjectRequest;
import io.nemospawn.server.project.ProjectTask;
import io.nemospawn.server.project.Projects;
import io.nemospawn.server.project.ResumeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
 * Library-direct: the commands work on the data directory, and {@code --wait} runs the dispatcher
 * in this process until the project settles (a {@code nemospawn serve} dispatches on its own).
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

  abstract static class ProjectSubcommand extends StateSubcommand {
    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        description = "Dispatch in this process until the project is completed or needs"
            + " attention, at most this long (ISO-8601, e.g. PT30M).")
    @Nullable
    Duration wait;

    @Override
    public Integer call() throws Exception {
      try (NemoSpawn ns = open()) {
        return run(Projects.open(ns));
      }
    }

    abstract int run(Projects projects) throws Exception;

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

  /** What {@code create} and {@code plan} share: the project's title, checkout and base branch. */
  static final class Where {
    @Option(names = "--title", required = true, paramLabel = "TITLE", description = "Title.")
    String title = "";

    @Option(names = "--repo", required = true, paramLabel = "PATH", description = "Git checkout.")
    @Nullable
    Path repo;

    @Option(
        names = "--base-branch",
        defaultValue = "",
        paramLabel = "BRANCH",
        description = "Branch the tasks start from (default: the repository's current branch).")
    String baseBranch = "";

    ProjectRequest request(List<String> teams, List<ProjectTask> tasks) {
      return new ProjectRequest(
          title, Objects.requireNonNull(repo, "--repo"), baseBranch, teams, tasks, "");
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Creates a project from an explicit task list (JSON: a list or"
          + " {\"tasks\": [...]} with task_id, title, prompt, depends_on).")
  static final class CreateCmd extends ProjectSubcommand {
    @Mixin
    Where where;

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

    @Option(names = "--start", description = "Start the project once it is created.")
    boolean start;

    @Override
    int run(Projects projects) throws Exception {
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
      List<ProjectTask> list = ProjectGraph.fromJson(node);
      Project p = projects.create(where.request(teams, list));
      if (start) {
        p = settle(projects, projects.start(p.projectId()));
      }
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
    Where where;

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

    @Option(names = "--start", description = "Start the project once the plan is answered.")
    boolean start;

    @Override
    int run(Projects projects) throws Exception {
      ObjectNode plan = projects.plan(where.request(teams, List.of()), spec, planner, start, "");
      if (wait != null) {
        plan = projects.awaitPlan(plan.path("plan_id").asString(), wait);
        String pid = plan.path("project_id").asString();
        if (start && !pid.isEmpty()) {
          projects.awaitSettled(pid, wait);
        }
      }
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
      List<Project> all = projects.list();
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
    int run(Projects projects) throws Exception {
      ResumeOptions o = new ResumeOptions(retryFailed, !noReverify, teams);
      if (preview) {
        ObjectNode pv = projects.resumePreview(projectId, o);
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
      projects.resume(projectId, o);
      return print(settle(projects, projects.get(projectId)));
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
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read task file '" + f + "'", e);
    }
  }
}
