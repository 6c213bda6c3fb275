package io.nemospawn.core.cost;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.Durability;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

class CostLedgerTest {
  @TempDir
  Path dir;

  static ObjectNode agent(String json) {
    return Json.parseObject(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void anAgentThe10WatcherMarkedDeadIsBilledUntilItsLifecycleUpdateNotZero() {
    Instant now = Instant.parse("2026-12-01T12:00:00Z");
    ObjectNode dead = agent("{\"agent_id\": \"a-1\", \"status\": \"stopped\","
        + " \"created_at\": \"2026-12-01T10:00:00+00:00\","
        + " \"lifecycle\": {\"state\": \"dead\", \"updated_at\": \"2026-12-01T11:30:00+00:00\"}}");
    assertThat(CostLedger.elapsedSeconds(dead, Instant.EPOCH, now)).isEqualByComparingTo("5400");
    ObjectNode running = agent("{\"agent_id\": \"a-2\", \"status\": \"running\","
        + " \"created_at\": \"2026-12-01T10:00:00+00:00\"}");
    // a window starting after the agent did counts from the window's start
    assertThat(CostLedger.elapsedSeconds(running, Instant.parse("2026-12-01T11:59:59.5Z"), now))
        .isEqualByComparingTo("0.5");
  }

  @Test
  void gpuTimeIsPricedPerGpuTypeAndTheRecordKeeps10Fields() throws Exception {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
    try (NemoSpawn ns = NemoSpawn.builder()
            .dataDir(dir)
            .durability(Durability.NONE)
            .clock(now::get)
            .open();
        Team team = ns.newTeam("rates").gpus(0, 1).create()) {
      // the GPU types team.json records (as team create writes them from nvidia-smi)
      Path teamFile = team.dir().resolve("team.json");
      ObjectNode t = Json.parseObject(Files.readAllBytes(teamFile));
      t.putArray("gpus")
          .add(Json.object().put("index", 0).put("name", "NVIDIA H100 80GB HBM3"))
          .add(Json.object().put("index", 1).put("name", "NVIDIA A10"));
      Files.write(teamFile, Json.bytes(t));
      team.agents().register("a", "worker", List.of(0, 1), "");
      CostLedger ledger = CostLedger.of(team);
      ledger.setRate(new BigDecimal("1.5"), "");
      ledger.setRate(new BigDecimal("9"), "NVIDIA H100 80GB HBM3");
      now.set(Instant.parse("2026-12-01T10:20:00Z"));
      CostReport r = ledger.refresh();
      // 1/3 h × (9 + 1.5)
      assertThat(r.gpuUsd()).isEqualByComparingTo("3.5");
      assertThat(r.gpuSeconds()).isEqualByComparingTo("2400");
      ObjectNode rec = Json.parseObject(
          Files.readAllBytes(team.dir().resolve("costs").resolve("cost_record.json")));
      assertThat(rec.get("rate_per_gpu_hour").decimalValue()).isEqualByComparingTo("1.5");
      assertThat(rec.get("total_cost_usd").decimalValue()).isEqualByComparingTo("3.5");
      assertThat(rec.get("last_updated").asString()).isEqualTo("2026-12-01T10:20:00.000000+00:00");
    }
  }
}
