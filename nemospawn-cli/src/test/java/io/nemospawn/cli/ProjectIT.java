package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.cli.Cli.Result;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Planned projects end to end: fake agents (separate processes that use the real CLI) plan a
 * four-task DAG and do real git work in their worktrees; the orchestrator merges the branches.
 */
class ProjectIT {
  @TempDir
  Path dir;

  private final List<Agent> agents = new ArrayList<>();
  private NemoSpawn ns;

  @AfterEach
  void stopAgents() {
    for (Agent a : agents) {
      a.stop(Duration.ofSeconds(2));
    }
    if (ns != null) {
      ns.close();
    }
  }

  private Path data() {
    return dir.resolve("data");
  }

  private Path repo() throws Exception {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo);
    git(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("README.md"), "demo\n");
    git(repo, "add", "README.md");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-q", "-m", "init");
    return repo;
  }

  private static String git(Path repo, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git", "-C", repo.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as("git %s: %s", argv, out).isZero();
    return out;
  }

  private Team teamOfFakes(String name, int n, String failTasks) throws Exception {
    List<String> cli = FakeAgents.javaCommand();
    cli.add(Main.class.getName());
    Files.createDirectories(dir.resolve("fail-once"));
    Team team = ns.newTeam(name).create();
    for (int i = 1; i <= n; i++) {
      List<String> cmd = FakeAgents.javaCommand();
      cmd.add(FakeProjectAgent.class.getName());
      agents.add(team.spawn(AgentSpec.builder(name + "-" + i)
          .runtime("process")
          .task("Do project tasks.")
          .command(cmd)
          .env(FakeAgents.CLI_ENV, String.join(" ", cli))
          .env("FAKE_FAIL_TASKS", failTasks)
          .env("FAKE_FAIL_ONCE_DIR", dir.resolve("fail-once").toString())
          .build()));
    }
    return team;
  }

  private String logs() throws Exception {
    StringBuilder b = new StringBuilder();
    for (Agent a : agents) {
      b.append("--- ").append(a.id()).append('\n');
      if (Files.exists(a.logFile())) {
        b.append(Files.readString(a.logFile()));
      }
    }
    return b.toString();
  }

  @Test
  void planFourBranchesIntegrationOneFailureResumeWithPreviewDone() throws Exception {
    Path repo = repo();
    ns = NemoSpawn.builder().dataDir(data()).durability(Durability.NONE).open();
    Team planners = teamOfFakes("planners", 1, "");
    Team workers = teamOfFakes("workers", 2, "b");

    Result plan = Cli.execute(
        data(),
        "project",
        "plan",
        "--title",
        "Demo",
        "--repo",
        repo.toString(),
        "--spec",
        "Build four files.",
        "--planner-team",
        planners.id(),
        "--team",
        workers.id(),
        "--wait",
        "PT3M",
        "--json");
    assertThat(plan.code()).as("%s%s%s", plan.out(), plan.err(), logs()).isZero();
    JsonNode pj = plan.json();
    assertThat(pj.path("status").asString()).isEqualTo("completed");
    String pid = pj.path("project_id").asString();

    Result start = Cli.execute(data(), "project", "start", pid, "--wait", "PT4M", "--json");
    JsonNode s = start.json();
    assertThat(s.path("status").asString()).as("%s%s", start.out(), logs()).isEqualTo("attention");
    assertThat(start.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(s.path("tasks").path("a").path("status").asString()).isEqualTo("completed");
    assertThat(s.path("tasks").path("c").path("status").asString()).isEqualTo("completed");
    assertThat(s.path("tasks").path("b").path("status").asString()).isEqualTo("failed");
    assertThat(s.path("tasks").path("b").path("last_error").asString())
        .isEqualTo("the agent reported the task failed: fake failure of b");
    assertThat(s.path("tasks").path("d").path("status").asString()).isEqualTo("pending");
    assertThat(s.path("tasks").path("integration").path("status").asString()).isEqualTo("pending");

    Result preview =
        Cli.execute(data(), "project", "resume", pid, "--preview", "--retry-failed", "--json");
    assertThat(preview.code()).as(preview.err()).isZero();
    JsonNode pv = preview.json();
    assertThat(pv.path("blocked").asBoolean()).isFalse();
    assertThat(pv.path("changed_task_ids").toString()).isEqualTo("[\"b\"]");
    JsonNode change = pv.path("task_changes").get(0);
    assertThat(change.path("before_status").asString()).isEqualTo("failed");
    assertThat(change.path("after_status").asString()).isEqualTo("pending");
    assertThat(change.path("resume_decision").asString()).isEqualTo("retried_failed");
    assertThat(pv.path("summary").path("kept_completed").asInt()).isEqualTo(2);
    // The preview changed nothing.
    assertThat(Cli.execute(data(), "project", "show", pid, "--json")
            .json()
            .path("tasks")
            .path("b")
            .path("status")
            .asString())
        .isEqualTo("failed");

    Result resume =
        Cli.execute(data(), "project", "resume", pid, "--retry-failed", "--wait", "PT4M", "--json");
    JsonNode done = resume.json();
    assertThat(done.path("status").asString())
        .as("%s%s", resume.out(), logs())
        .isEqualTo("completed");
    assertThat(resume.code()).isZero();
    assertThat(done.path("resume_count").asInt()).isEqualTo(1);
    assertThat(done.path("tasks").path("b").path("attempts").asInt()).isEqualTo(2);

    // Real git: one branch per task, d saw its dependencies, integration has everything.
    for (String t : List.of("a", "b", "c", "d")) {
      String branch = "project/" + pid + "/" + t;
      assertThat(git(repo, "ls-tree", "--name-only", branch)).contains(t + ".txt");
      assertThat(done.path("tasks").path(t).path("head_commit").asString())
          .isEqualTo(git(repo, "rev-parse", branch));
    }
    assertThat(git(repo, "ls-tree", "--name-only", "project/" + pid + "/d"))
        .contains("a.txt", "b.txt", "c.txt", "d.txt");
    String integration = "project/" + pid + "/integration";
    assertThat(git(repo, "ls-tree", "--name-only", integration))
        .contains("README.md", "a.txt", "b.txt", "c.txt", "d.txt");
    assertThat(done.path("integration_head_commit").asString())
        .isEqualTo(git(repo, "rev-parse", integration));
    assertThat(git(repo, "log", "--format=%s", integration))
        .contains("Merge project/" + pid + "/b");
    // The team's task graph holds the project's tasks; the retried team task went back to pending.
    List<Task> teamTasks = workers.tasks().list().items();
    assertThat(teamTasks)
        .filteredOn(t -> pid.equals(t.metadata().get("project_id")))
        .hasSize(5);
    assertThat(Files.readString(agents.get(1).logFile())
            + Files.readString(agents.get(2).logFile()))
        .contains("failed b on purpose", "done b");
  }

  @Test
  void aDispatcherKilledMidDispatchIsCarriedOnByTheNextStart() throws Exception {
    Path repo = repo();
    ns = NemoSpawn.builder().dataDir(data()).durability(Durability.NONE).open();
    Team workers = teamOfFakes("workers", 2, "");
    Path tasks = dir.resolve("tasks.json");
    Files.writeString(
        tasks,
        FakeProjectAgent.GRAPH.substring(
            FakeProjectAgent.GRAPH.indexOf('{'), FakeProjectAgent.GRAPH.lastIndexOf('}') + 1));
    Result created = Cli.execute(
        data(),
        "project",
        "create",
        "--title",
        "Kill",
        "--repo",
        repo.toString(),
        "--team",
        workers.id(),
        "--tasks",
        tasks.toString(),
        "--json");
    assertThat(created.code()).as(created.err()).isZero();
    String pid = created.json().path("project_id").asString();

    List<String> cmd = FakeAgents.javaCommand();
    cmd.addAll(List.of(
        Main.class.getName(),
        "project",
        "start",
        pid,
        "--wait",
        "PT5M",
        "--data-dir",
        data().toString()));
    Process dispatcher = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("dispatcher.log").toFile())
        .start();
    Path file = data().resolve("projects").resolve(pid).resolve("project.json");
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < end
        && !(Files.exists(file) && Files.readString(file).contains("\"assigned\""))) {
      Thread.sleep(50);
    }
    assertThat(Files.readString(file)).contains("\"assigned\"");
    dispatcher.destroyForcibly();
    assertThat(dispatcher.waitFor(30, TimeUnit.SECONDS)).isTrue();

    Result again = Cli.execute(data(), "project", "start", pid, "--wait", "PT4M", "--json");
    JsonNode p = again.json();
    assertThat(p.path("status").asString()).as("%s%s", again.out(), logs()).isEqualTo("completed");
    for (String t : List.of("a", "b", "c", "d")) {
      assertThat(p.path("tasks").path(t).path("attempts").asInt()).as(t).isEqualTo(1);
    }
    assertThat(workers.tasks().list().items())
        .filteredOn(t -> pid.equals(t.metadata().get("project_id")))
        .hasSize(5);
    assertThat(git(repo, "ls-tree", "--name-only", "project/" + pid + "/integration"))
        .contains("a.txt", "b.txt", "c.txt", "d.txt");
    assertThat(new File(dir.resolve("dispatcher.log").toString())).exists();
  }
}
