package io.nemospawn.server.project;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.server.Command;
import io.nemospawn.server.CommandContext;
import io.nemospawn.server.CommandRejectedException;
import io.nemospawn.spi.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Golden NDJSON transcripts of the project commands: each command line and every event it caused
 * (replies, broadcasts, rejections as the server sends them), with ids, paths, commits and times
 * normalised. Regenerate with {@code -Dgolden.update=true} and review the diff.
 */
class ProjectTranscriptTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Path GOLDEN =
      Path.of("src/test/resources/io/nemospawn/server/project/projects.ndjson");

  @TempDir
  Path dir;

  private final List<String> lines = new ArrayList<>();

  private final CommandContext context = new CommandContext() {
    @Override
    public void reply(String event, ObjectNode data) {
      record("reply", event, data);
    }

    @Override
    public void publish(String event, ObjectNode data) {
      record("publish", event, data);
    }

    @Override
    public String principal() {
      return "test";
    }
  };

  private void record(String how, String event, ObjectNode data) {
    ObjectNode e = JSON.createObjectNode();
    e.put("protocol", ProjectProtocolHandler.PROTOCOL);
    e.put("type", "event");
    e.put("event", event);
    e.set("data", data);
    lines.add("<< " + how + " " + JSON.writeValueAsString(e));
  }

  private void send(ProjectProtocolHandler h, String rid, String command, String payload) {
    ObjectNode c = JSON.createObjectNode();
    c.put("protocol", ProjectProtocolHandler.PROTOCOL);
    c.put("type", "command");
    c.put("command", command);
    c.put("request_id", rid);
    c.set("payload", JSON.readTree(payload));
    lines.add(">> " + JSON.writeValueAsString(c));
    try {
      h.handle(
          new Command(
              ProjectProtocolHandler.PROTOCOL, command, rid, (ObjectNode) JSON.readTree(payload)),
          context);
    } catch (CommandRejectedException e) {
      ObjectNode d = JSON.createObjectNode();
      d.put("request_id", rid);
      d.put("reason", e.getMessage());
      record("reply", "command_rejected", d);
    }
  }

  @Test
  void projectCommandsMatchTheGoldenTranscript() throws Exception {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo);
    Git.must(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("README.md"), "x\n");
    Git.must(repo, "add", "README.md");
    Git.must(repo, "commit", "-q", "-m", "init");
    try (NemoSpawn ns = NemoSpawn.builder()
            .dataDir(dir.resolve("data"))
            .durability(Durability.NONE)
            .open();
        Team workers = ns.newTeam("workers").create();
        ProjectProtocolHandler h = new ProjectProtocolHandler(Projects.open(ns))) {
      String w = workers.id();
      String r = JSON.writeValueAsString(repo.toString());
      String tasks = "[{\"task_id\":\"api\",\"title\":\"API\",\"prompt\":\"p\"},"
          + "{\"task_id\":\"ui\",\"title\":\"UI\",\"prompt\":\"q\",\"depends_on\":[\"api\"]}]";
      send(h, "r1", "project_create", "{\"repo_path\":" + r + "}");
      send(
          h,
          "r2",
          "project_create",
          "{\"title\":\"T\",\"repo_path\":" + r
              + ",\"worker_swarm_ids\":[\"" + w + "\"],\"tasks\":[{\"task_id\":\"../x\","
              + "\"title\":\"A\",\"prompt\":\"p\"},{\"task_id\":\"$(id)\",\"title\":\"B\","
              + "\"prompt\":\"p\"}]}");
      send(
          h,
          "r3",
          "project_create",
          "{\"title\":\"T\",\"repo_path\":" + r
              + ",\"worker_swarm_ids\":[\"" + w
              + "\"],\"tasks\":[{\"task_id\":\"a\",\"title\":\"A\","
              + "\"prompt\":\"p\",\"depends_on\":[\"b\"]},{\"task_id\":\"b\",\"title\":\"B\","
              + "\"prompt\":\"p\",\"depends_on\":[\"a\"]},{\"task_id\":\"a\",\"title\":\"A\","
              + "\"prompt\":\"p\"}]}");
      send(
          h,
          "r4",
          "project_create",
          "{\"title\":\"T\",\"repo_path\":" + r + ",\"worker_swarm_ids\":[\"nope\"],\"tasks\":"
              + tasks + "}");
      send(
          h,
          "r5",
          "project_create",
          "{\"title\":\"T\",\"repo_path\":\"/nonexistent\"," + "\"worker_swarm_ids\":[\"" + w
              + "\"],\"tasks\":" + tasks + "}");
      send(
          h,
          "r6",
          "project_create",
          "{\"title\":\"Demo\",\"repo_path\":" + r + ",\"worker_swarm_ids\":[\"" + w
              + "\"],\"tasks\":" + tasks + "}");
      String pid = Projects.open(ns).list().get(0).projectId();
      send(h, "r7", "project_list", "{}");
      send(h, "r8", "project_start", "{\"project_id\":\"" + pid + "\"}");
      send(h, "r9", "project_start", "{\"project_id\":\"" + pid + "\"}");
      send(
          h,
          "r10",
          "project_resume_preview",
          "{\"project_id\":\"" + pid + "\",\"retry_failed\":true}");
      send(h, "r11", "project_resume", "{\"project_id\":\"" + pid + "\"}");
      send(h, "r12", "project_start", "{\"project_id\":\"missing-project\"}");
      send(h, "r13", "project_start", "{\"project_id\":\"../etc\"}");
      send(
          h,
          "r14",
          "project_plan",
          "{\"title\":\"P\",\"repo_path\":" + r
              + ",\"spec\":\"s\",\"planner_swarm_id\":\"ghost\"}");
      send(
          h,
          "r15",
          "project_plan",
          "{\"title\":\"P\",\"repo_path\":" + r + ",\"planner_swarm_id\":\"" + w + "\"}");
      send(
          h,
          "r16",
          "project_plan",
          "{\"title\":\"P\",\"repo_path\":" + r + ",\"spec\":\"build it\",\"planner_swarm_id\":\""
              + w + "\"}");
      String actual = normalise(String.join("\n", lines) + "\n", dir, w);
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(GOLDEN.getParent());
        Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
      }
      assertThat(actual).isEqualTo(Files.readString(GOLDEN, StandardCharsets.UTF_8));
    }
  }

  private static String normalise(String s, Path dir, String team) throws java.io.IOException {
    return s.replace(dir.toRealPath().toString(), "<tmp>")
        .replace(dir.toString(), "<tmp>")
        .replace(team, "workers-<id>")
        .replaceAll("proj-[0-9a-f]{8}", "proj-<id>")
        .replaceAll("plan-[0-9a-f]{8}", "plan-<id>")
        .replaceAll("task-[0-9a-f]{8}", "task-<id>")
        .replaceAll("[0-9a-f]{40}", "<sha>")
        .replaceAll("\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+[+-]\\d\\d:\\d\\d\"", "\"<time>\"")
        .replaceAll("\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\"", "\"<time>\"");
  }
}
