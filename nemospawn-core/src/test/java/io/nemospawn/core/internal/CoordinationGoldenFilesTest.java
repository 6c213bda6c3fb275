package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.inbox.Message;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Pins the JSON of plan, message and artifact records (FORMAT.md): what we write matches the
 * golden files byte for byte (fixed clock; ids substituted), the golden files carry exactly the
 * FORMAT.md fields with the right types, and records as NemoSpawn 1.0 writes them read back
 * field by field.
 */
class CoordinationGoldenFilesTest {
  static final Instant T0 = Instant.parse("2026-11-21T19:01:51.212059Z");
  static final String STAMP = "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00$";

  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  AgentInfo trainer;

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(InstantSource.fixed(T0))
        .open();
    team = ns.newTeam("golden").create();
    trainer = team.agents().register("trainer", "worker", List.of(0), "");
  }

  @AfterEach
  void close() {
    ns.close();
  }

  static String golden(String name) throws IOException {
    try (InputStream in =
        CoordinationGoldenFilesTest.class.getResourceAsStream("/golden/" + name)) {
      assertThat(in).as("golden file " + name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  String expand(String text, Map<String, String> ids) {
    String out = text.replace("${TEAM_ID}", team.id()).replace("${AGENT_ID}", trainer.id());
    for (var e : ids.entrySet()) {
      out = out.replace("${" + e.getKey() + "}", e.getValue());
    }
    return out;
  }

  @Test
  void planRecordsMatchTheGoldenFiles() throws Exception {
    Plan p = team.plans()
        .submit(PlanSpec.of("Tune the learning rate")
            .withAgent("trainer")
            .withDescription("Sweep three values, keep the best")
            .withSteps(List.of("train lr=1e-4", "train lr=3e-4", "compare val_loss")));
    Path file = team.dir().resolve("plans/" + p.id() + ".json");
    assertThat(Files.readString(file))
        .isEqualTo(expand(golden("plan-pending.json"), Map.of("PLAN_ID", p.id())));
    team.plans().approve(p.id(), "leader", "go ahead");
    assertThat(Files.readString(file))
        .isEqualTo(expand(golden("plan-approved.json"), Map.of("PLAN_ID", p.id())));
  }

  @Test
  void messageRecordMatchesTheGoldenFileAndIsNamedByTime() throws Exception {
    Inbox.Delivery d =
        team.inbox().send("leader", "trainer", "start with lr=3e-4\n\"quoted\" and a tab\t");
    String id = d.message().id();
    Path file = team.dir()
        .resolve("inbox/" + trainer.id() + "/2026-11-21T19-01-51.212059+00-00_" + id + ".json");
    assertThat(file).exists();
    assertThat(Files.readString(file))
        .isEqualTo(expand(golden("message.json"), Map.of("MSG_ID", id)));
  }

  @Test
  void artifactRecordMatchesTheGoldenFile() throws Exception {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", 0.91);
    metrics.put("step", 1000);
    Artifact a = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, Path.of("/ckpt/step-1000.nemo"))
            .withAgent(trainer.id())
            .withValLoss(1.234)
            .withMetrics(metrics)
            .withNemoConfigHash("9f86d081")
            .withTags(List.of("baseline")));
    assertThat(Files.readString(team.dir().resolve("artifacts/" + a.id() + ".json")))
        .isEqualTo(expand(golden("artifact.json"), Map.of("ARTIFACT_ID", a.id())));
  }

  static List<String> keys(ObjectNode n) {
    List<String> out = new ArrayList<>();
    n.propertyNames().forEach(out::add);
    return out;
  }

  static ObjectNode parse(String text) {
    return Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void goldenFilesCarryTheFormatMdFieldsWithTheirTypes() throws Exception {
    for (String name : List.of("plan-pending.json", "plan-approved.json")) {
      ObjectNode n = parse(golden(name));
      assertThat(keys(n))
          .containsExactly(
              "plan_id",
              "team_id",
              "agent_id",
              "title",
              "description",
              "steps",
              "status",
              "reviewer",
              "review_comment",
              "created_at",
              "reviewed_at");
      assertThat(n.get("steps").isArray()).isTrue();
      assertThat(n.get("status").asString()).isIn("pending", "approved", "rejected");
      assertThat(n.get("created_at").asString()).matches(STAMP);
      JsonNode reviewedAt = n.get("reviewed_at");
      assertThat(reviewedAt.isNull() || reviewedAt.asString().matches(STAMP)).isTrue();
    }
    ObjectNode m = parse(golden("message.json"));
    assertThat(keys(m))
        .containsExactly(
            "msg_id", "team_id", "from_agent", "to_agent", "body", "timestamp", "read");
    assertThat(m.get("read").isBoolean()).isTrue();
    assertThat(m.get("timestamp").asString()).matches(STAMP);
    ObjectNode a = parse(golden("artifact.json"));
    assertThat(keys(a))
        .containsExactly(
            "artifact_id",
            "team_id",
            "artifact_type",
            "path",
            "agent_id",
            "val_loss",
            "metrics",
            "nemo_config_hash",
            "promoted",
            "tags",
            "created_at");
    assertThat(a.get("val_loss").isNumber()).isTrue();
    assertThat(a.get("metrics").isObject()).isTrue();
    assertThat(a.get("promoted").isBoolean()).isTrue();
    assertThat(a.get("tags").isArray()).isTrue();
    assertThat(a.get("path").asString()).startsWith("/");
    assertThat(a.get("created_at").asString()).matches(STAMP);
  }

  void install(String golden, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Files.writeString(target, golden("python/" + golden).replace("TEAM", team.id()));
  }

  @Test
  void recordsWrittenByNemoSpawn1ReadBackFieldByField() throws Exception {
    install("plan-python.json", team.dir().resolve("plans/plan-0a1b2c3d.json"));
    install("artifact-python.json", team.dir().resolve("artifacts/art-0a1b2c3d.json"));
    install(
        "message-python.json",
        team.dir().resolve("inbox/leader/2026-11-21T19-01-51.212059+00-00_0a1b2c3d.json"));

    Plan p = team.plans().get("plan-0a1b2c3d");
    assertThat(p.teamId()).isEqualTo(team.id());
    assertThat(p.agentId()).isEqualTo("trainer-11223344");
    assertThat(p.title()).isEqualTo("Use bf16");
    assertThat(p.description()).isEmpty();
    assertThat(p.steps()).containsExactly("switch precision");
    assertThat(p.status()).isEqualTo(PlanStatus.REJECTED);
    assertThat(p.reviewer()).isEqualTo("leader");
    assertThat(p.reviewComment()).isEqualTo("fp8 instead");
    assertThat(p.createdAt()).isEqualTo(T0);
    assertThat(p.reviewedAt()).isEqualTo(Instant.parse("2026-11-21T19:05:00.000001Z"));

    Artifact a = team.artifacts().get("art-0a1b2c3d");
    assertThat(a.type()).isEqualTo(ArtifactType.LORA_ADAPTER);
    assertThat(a.path()).isEqualTo("/models/lora/adapter.bin");
    assertThat(a.agentId()).isEqualTo("trainer-11223344");
    assertThat(a.findValLoss()).isEmpty();
    assertThat(a.metrics()).isEmpty();
    assertThat(a.nemoConfigHash()).isEmpty();
    assertThat(a.promoted()).isTrue();
    assertThat(a.tags()).isEmpty();
    assertThat(a.createdAt()).isEqualTo(T0);
    // Promoting another keeps the Python tool's extra field of the demoted record.
    Artifact b = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.LORA_ADAPTER, Path.of("/models/lora/b.bin")));
    team.artifacts().promote(b.id());
    String demoted = Files.readString(team.dir().resolve("artifacts/art-0a1b2c3d.json"));
    assertThat(demoted).contains("\"promoted\": false").contains("\"python_only_field\": 1");

    List<Message> leader = team.inbox().peek("leader");
    assertThat(leader).hasSize(1);
    Message m = leader.get(0);
    assertThat(m.id()).isEqualTo("0a1b2c3d");
    assertThat(m.teamId()).isEqualTo(team.id());
    assertThat(m.from()).isEqualTo("trainer-11223344");
    assertThat(m.to()).isEqualTo("leader");
    assertThat(m.body()).isEqualTo("done: val_loss=1.23 \u00e9");
    assertThat(m.timestamp()).isEqualTo(T0);
    assertThat(m.read()).isFalse();
  }
}
