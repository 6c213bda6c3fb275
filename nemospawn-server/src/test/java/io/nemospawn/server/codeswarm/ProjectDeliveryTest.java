package io.nemospawn.server.codeswarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.inbox.Message;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.project.Project;
import io.nemospawn.server.project.ProjectRequest;
import io.nemospawn.server.project.ProjectTask;
import io.nemospawn.server.project.Projects;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a project task reaches its agent: a swarm node whose CLI reads prompts through its bridge
 * (here the mock) gets it as an injection of its swarm, and the events of that injection, usage
 * included, carry the project and task ids; an agent outside any swarm gets it in its team inbox.
 */
class ProjectDeliveryTest {
  @TempDir
  Path dir;

  RouterPlane plane;
  NemoSpawn ns;
  ControlPlane server;
  CodeswarmRouterHandler handler;
  RouterClient c;
  Projects projects;

  @BeforeEach
  void start() throws Exception {
    plane = RouterPlane.start(dir);
    ns = plane.ns;
    server = plane.server;
    handler = plane.handler;
    c = plane.client;
    projects = Projects.open(ns);
    projects.deliverThrough(handler.swarms()::injectProjectTask);
  }

  @AfterEach
  void stop() throws Exception {
    plane.close();
  }

  private Path repo() throws Exception {
    Path r = dir.resolve("repo");
    Files.createDirectories(r);
    git(r, "init", "-q", "-b", "main");
    Files.writeString(r.resolve("README.md"), "demo\n");
    git(r, "add", ".");
    git(r, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "init");
    return r;
  }

  private static void git(Path d, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git", "-C", d.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", argv, out).isZero();
  }

  /** Launches a swarm of one mock node and waits for it; returns the launch's data. */
  private JsonNode launchMockSwarm() throws Exception {
    ObjectNode launch = RouterClient.M.createObjectNode().put("nodes", 1).put("provider", "mock");
    String rid = c.send("swarm_launch", launch);
    JsonNode launched = c.await("swarm_launched", rid).path("data");
    c.await("swarm_launch_progress", rid);
    return launched;
  }

  @Test
  void aTaskForAMockSwarmNodeIsAnInjectionWhoseUsageCarriesTheTask() throws Exception {
    JsonNode launched = launchMockSwarm();
    String swarm = launched.path("swarm_id").asString();
    String job = launched.path("job_id").asString();

    Project p = projects.create(ProjectRequest.of(
        "Delivery", repo(), List.of(job), List.of(ProjectTask.of("t1", "First", "Write t1.txt"))));
    String pid = p.projectId();
    Project started = projects.start(pid);
    JsonNode t = started.task("t1");
    assertThat(t.path("status").asString()).isEqualTo("assigned");
    String injection = t.path("injection_id").asString();
    assertThat(injection).isNotEmpty();

    JsonNode ack =
        c.awaitEvent("inject_ack", d -> d.path("injection_id").asString().equals(injection));
    assertThat(ack.path("data").path("swarm_id").asString()).isEqualTo(swarm);
    assertThat(ack.path("data").path("project_id").asString()).isEqualTo(pid);
    assertThat(ack.path("data").path("task_id").asString()).isEqualTo("t1");
    assertThat(ack.path("data").path("prompt").asString()).contains("PROJECT_TASK_JSON");
    JsonNode usage =
        c.awaitEvent("usage", d -> d.path("injection_id").asString().equals(injection));
    assertThat(usage.path("data").path("project_id").asString()).isEqualTo(pid);
    assertThat(usage.path("data").path("task_id").asString()).isEqualTo("t1");
    assertThat(usage.path("data").path("last_total_tokens").asLong()).isPositive();
    JsonNode answer =
        c.awaitEvent("assistant", d -> d.path("injection_id").asString().equals(injection));
    assertThat(answer.path("data").path("content").asString())
        .startsWith("mock: Project 'Delivery', task t1: First");
    assertThat(answer.path("data").path("task_id").asString()).isEqualTo("t1");
    // a person's prompt to the same node stays untagged; the team inbox was not used
    String plain = c.send(
        "inject", RouterClient.M.createObjectNode().put("swarm_id", swarm).put("content", "hi"));
    String plainInjection =
        c.await("inject_ack", plain).path("data").path("injection_id").asString();
    JsonNode plainUsage =
        c.awaitEvent("usage", d -> d.path("injection_id").asString().equals(plainInjection));
    assertThat(plainUsage.path("data").has("task_id")).isFalse();
    assertThat(plainUsage.path("data").has("project_id")).isFalse();
    String agent = handler.swarms().agentId(swarm, 0);
    assertThat(ns.team(job).inbox().history(agent).items()).isEmpty();
  }

  @Test
  void aPlanForAMockSwarmNodeIsAnInjectionAndItsAnswerMakesTheProject() throws Exception {
    JsonNode launched = launchMockSwarm();
    String swarm = launched.path("swarm_id").asString();
    String job = launched.path("job_id").asString();

    ObjectNode plan = projects.plan(
        ProjectRequest.of("Planned", repo(), List.of(), List.of()),
        "Write a greeter",
        job,
        false,
        "");
    String planId = plan.path("plan_id").asString();
    assertThat(plan.path("status").asString()).isEqualTo("planning");
    String injection = plan.path("injection_id").asString();
    JsonNode ack =
        c.awaitEvent("inject_ack", d -> d.path("injection_id").asString().equals(injection));
    assertThat(ack.path("data").path("swarm_id").asString()).isEqualTo(swarm);
    assertThat(ack.path("data").path("project_id").asString()).isEqualTo(planId);
    assertThat(ack.path("data").path("task_id").asString()).isEqualTo(Projects.PLAN_TASK);
    assertThat(ack.path("data").path("prompt").asString())
        .contains("Plan the project 'Planned'")
        .contains("Write a greeter")
        .contains("TASK_GRAPH_JSON");
    JsonNode usage =
        c.awaitEvent("usage", d -> d.path("injection_id").asString().equals(injection));
    assertThat(usage.path("data").path("project_id").asString()).isEqualTo(planId);
    String agent = handler.swarms().agentId(swarm, 0);
    assertThat(ns.team(job).inbox().history(agent).items()).isEmpty();

    // The node answers as a Codex node does, through the CLI: it completes the plan's team task.
    ns.team(job)
        .tasks()
        .update(
            plan.path("team_task_id").asString(),
            TaskUpdate.of(TaskState.DONE)
                .withMetadata(
                    "task_graph",
                    "TASK_GRAPH_JSON\n```json\n{\"tasks\": [{\"task_id\": \"greet\","
                        + " \"title\": \"Greeter\", \"prompt\": \"Write greet.sh\"}]}\n```"));
    projects.stepPlans();
    ObjectNode done = projects.findPlan(planId).orElseThrow();
    assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("completed");
    Project created = projects.get(done.path("project_id").asString());
    assertThat(created.task("greet").path("title").asString()).isEqualTo("Greeter");
  }

  @Test
  void aTaskForAnAgentOutsideAnySwarmGoesToItsTeamInbox() throws Exception {
    Team team = ns.newTeam("plain").create();
    String agent = team.spawn(AgentSpec.builder("w1")
            .runtime("process")
            .command(List.of("sleep", "60"))
            .build())
        .id();
    try {
      Project p = projects.create(ProjectRequest.of(
          "Inbox", repo(), List.of(team.id()), List.of(ProjectTask.of("t1", "First", "Do it"))));
      JsonNode t = projects.start(p.projectId()).task("t1");
      assertThat(t.path("status").asString()).isEqualTo("assigned");
      assertThat(t.has("injection_id")).isFalse();
      List<Message> got = team.inbox().receive(agent, Duration.ofSeconds(10));
      assertThat(got).singleElement().satisfies(m -> {
        assertThat(m.from()).isEqualTo(p.projectId());
        assertThat(m.body()).contains("PROJECT_TASK_JSON", "task t1: First");
      });
    } finally {
      team.agent(agent).stop(Duration.ofSeconds(2));
    }
  }
}
