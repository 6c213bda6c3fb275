package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Pins the JSON the API writes for team, agent and task records, byte for byte, against golden
 * files in {@code src/test/resources/golden/} (fixed clock; the random ids are replaced by fixed
 * ones before comparing), and parses a state directory produced through the API back field by
 * field against FORMAT.md, as NemoSpawn 1.0 reads it.
 */
class TaskGoldenFilesTest {
  static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00";

  @TempDir
  Path dir;

  Team team;
  AgentInfo agent;
  Task running;
  Task blocked;
  Map<String, String> ids = new LinkedHashMap<>();

  @BeforeEach
  void produce() {
    Instant t0 = Instant.parse("2026-11-21T19:01:51.212059Z");
    NemoSpawn ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(() -> t0)
        .user("golden")
        .open();
    team = ns.newTeam("golden").description("lr sweep").gpus(0, 1).create();
    agent = team.agents().register("trainer", "worker", List.of(0), "train \"it\"\nnow");
    running = team.tasks()
        .create(TaskSpec.of("prepare data").withOwner(agent.id()).withMetadata("lr", 0.0003));
    blocked = team.tasks()
        .create(TaskSpec.of("train")
            .after(running.id())
            .withDescription("3 epochs")
            .withMetadata("val_loss", 0.25));
    running = team.tasks().claim(running.id(), agent.id(), Duration.ofMinutes(10));
    ids.put(team.id(), "golden-00000000");
    ids.put(agent.id(), "trainer-00000001");
    ids.put(running.id(), "task-0000000a");
    ids.put(blocked.id(), "task-0000000b");
  }

  private String normalised(Path file) throws Exception {
    String text = Files.readString(file);
    for (Map.Entry<String, String> e : ids.entrySet()) {
      text = text.replace(e.getKey(), e.getValue());
    }
    return text;
  }

  private static String golden(String name) throws Exception {
    try (InputStream in = TaskGoldenFilesTest.class.getResourceAsStream("/golden/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void recordsAreWrittenExactlyAsTheGoldenFiles() throws Exception {
    if (Boolean.getBoolean("golden.update")) {
      // Regenerates the golden files after a deliberate format change; review the diff.
      Path g = Path.of("src/test/resources/golden");
      Files.writeString(g.resolve("team.json"), normalised(team.dir().resolve("team.json")));
      Files.writeString(
          g.resolve("agent.json"),
          normalised(team.dir().resolve("agents/" + agent.id() + ".json")));
      Files.writeString(
          g.resolve("task-running.json"),
          normalised(team.dir().resolve("tasks/" + running.id() + ".json")));
      Files.writeString(
          g.resolve("task-blocked.json"),
          normalised(team.dir().resolve("tasks/" + blocked.id() + ".json")));
    }
    assertThat(normalised(team.dir().resolve("team.json"))).isEqualTo(golden("team.json"));
    assertThat(normalised(team.dir().resolve("agents/" + agent.id() + ".json")))
        .isEqualTo(golden("agent.json"));
    assertThat(normalised(team.dir().resolve("tasks/" + running.id() + ".json")))
        .isEqualTo(golden("task-running.json"));
    assertThat(normalised(team.dir().resolve("tasks/" + blocked.id() + ".json")))
        .isEqualTo(golden("task-blocked.json"));
  }

  @Test
  void goldenFilesDecodeToTheRecords() throws Exception {
    Task t = TaskCodec.decode(
        Json.parseObject(golden("task-running.json").getBytes(StandardCharsets.UTF_8)));
    assertThat(t.id()).isEqualTo("task-0000000a");
    assertThat(t.owner()).isEqualTo("trainer-00000001");
    assertThat(t.lease().expiresAt()).isEqualTo(Instant.parse("2026-11-21T19:11:51.212059Z"));
    assertThat(t.metadata()).containsEntry("lr", 0.0003);
    Task b = TaskCodec.decode(
        Json.parseObject(golden("task-blocked.json").getBytes(StandardCharsets.UTF_8)));
    assertThat(b.blockedBy()).containsExactly("task-0000000a");
    assertThat(b.valLoss()).hasValue(0.25);
    assertThat(Codecs.team(Json.parseObject(golden("team.json").getBytes(StandardCharsets.UTF_8)))
            .gpuIds())
        .containsExactly(0, 1);
    assertThat(Codecs.agent(Json.parseObject(golden("agent.json").getBytes(StandardCharsets.UTF_8)))
            .task())
        .isEqualTo("train \"it\"\nnow");
  }

  @Test
  void stateDirParsesBackFieldByFieldAsFormatMdSays() throws Exception {
    JsonNode teamJson = Json.MAPPER.readTree(Files.readString(team.dir().resolve("team.json")));
    assertThat(names(teamJson))
        .containsAll(List.of(
            "team_id",
            "name",
            "description",
            "gpu_ids",
            "gpus",
            "topology",
            "nvlink_islands",
            "status",
            "created_at"));
    assertThat(teamJson.get("team_id").asString()).matches("golden-[0-9a-f]{8}");
    assertThat(teamJson.get("gpu_ids").get(0).isInt()).isTrue();
    assertThat(teamJson.get("gpus").isArray()).isTrue();
    assertThat(teamJson.get("topology").isObject()).isTrue();
    assertThat(teamJson.get("nvlink_islands").isArray()).isTrue();
    assertThat(teamJson.get("status").asString()).isEqualTo("active");
    assertThat(teamJson.get("created_at").asString()).matches(TIMESTAMP);

    JsonNode a = Json.MAPPER.readTree(
        Files.readString(team.dir().resolve("agents/" + agent.id() + ".json")));
    assertThat(names(a))
        .containsAll(List.of(
            "agent_id",
            "team_id",
            "name",
            "role",
            "gpu_ids",
            "tmux_session",
            "worktree_path",
            "task",
            "pid",
            "status",
            "created_at",
            "updated_at",
            "lifecycle"));
    assertThat(a.get("agent_id").asString()).matches("trainer-[0-9a-f]{8}");
    assertThat(a.get("pid").isNull()).isTrue();
    assertThat(Set.of("spawning", "running", "stopped"))
        .contains(a.get("status").asString());
    assertThat(names(a.get("lifecycle"))).containsAll(List.of("state", "reason", "updated_at"));
    assertThat(a.get("lifecycle").get("updated_at").asString()).matches(TIMESTAMP);

    for (Task t : List.of(running, blocked)) {
      JsonNode n =
          Json.MAPPER.readTree(Files.readString(team.dir().resolve("tasks/" + t.id() + ".json")));
      assertThat(names(n).subList(0, 9))
          .containsExactly(
              "task_id",
              "team_id",
              "title",
              "agent_id",
              "status",
              "blocked_by",
              "metadata",
              "created_at",
              "updated_at");
      assertThat(n.get("task_id").asString()).matches("task-[0-9a-f]{8}");
      assertThat(n.get("team_id").asString()).isEqualTo(team.id());
      assertThat(Set.of("pending", "blocked", "running", "done", "failed", "cancelled"))
          .contains(n.get("status").asString());
      assertThat(n.get("agent_id").isNull() || n.get("agent_id").isString()).isTrue();
      assertThat(n.get("blocked_by").isArray()).isTrue();
      assertThat(n.get("metadata").isObject()).isTrue();
      assertThat(n.get("created_at").asString()).matches(TIMESTAMP);
      assertThat(n.get("updated_at").asString()).matches(TIMESTAMP);
    }
    JsonNode b = Json.MAPPER.readTree(
        Files.readString(team.dir().resolve("tasks/" + blocked.id() + ".json")));
    assertThat(b.get("status").asString()).isEqualTo("blocked");
    assertThat(b.get("blocked_by").get(0).asString()).isEqualTo(running.id());
    assertThat(b.get("metadata").get("val_loss").asDouble()).isEqualTo(0.25);
    assertThat(b.get("agent_id").isNull()).isTrue();
  }

  private static List<String> names(JsonNode n) {
    return n.propertyNames().stream().toList();
  }
}
