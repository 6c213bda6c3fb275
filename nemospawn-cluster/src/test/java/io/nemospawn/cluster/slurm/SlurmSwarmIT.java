package io.nemospawn.cluster.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.NemoSpawn;
import io.nemospawn.server.swarm.Personas;
import io.nemospawn.server.swarm.Swarms;
import io.nemospawn.spi.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The control plane's {@code slurm} swarm provider, through the slurm runtime, on the real SLURM. */
class SlurmSwarmIT {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path dir;

  String partition;
  NemoSpawn ns;
  Swarms swarms;
  final List<String> events = new CopyOnWriteArrayList<>();
  final List<String> jobs = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    partition = SlurmEnv.require();
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    swarms = Swarms.open(ns, (e, d) -> events.add(e));
  }

  @AfterEach
  void tearDown() {
    for (String id : jobs) {
      try {
        Slurm.local().cancel(id, "KILL");
      } catch (RuntimeException gone) {
        // Finished already.
      }
    }
    if (swarms != null) { // null when SLURM is missing and the test was skipped
      swarms.close();
    }
    if (ns != null) {
      ns.close();
    }
  }

  private ObjectNode params(String part) {
    ObjectNode p = JSON.createObjectNode();
    p.putArray("command").add("sleep").add("300");
    p.put("channel", "inbox").put("partition", part).put("time", "00:05:00").put("gpus", "1");
    return p;
  }

  @Test
  void theSlurmProviderIsEnabledAndRunsEachNodeAsAJob() throws Exception {
    JsonNode slurm = null;
    for (JsonNode p : swarms.providers()) {
      if (p.path("id").asString().equals("slurm")) {
        slurm = p;
      }
    }
    assertThat(slurm).isNotNull();
    assertThat(slurm.path("disabled").asBoolean()).as(slurm.toString()).isFalse();
    assertThat(slurm.path("launch_fields").toString()).contains("partition", "gpus", "time");
    ObjectNode launched = swarms.launch(
        new Swarms.LaunchRequest(2, "slurm", "", new Personas("", Map.of()), params(partition)),
        "r1");
    String swarmId = launched.path("swarm_id").asString();
    assertThat(events).contains("swarm_launched");
    for (int i = 0; i < 2; i++) {
      Agent a = swarms.team(swarmId).agent(swarms.agentId(swarmId, i));
      String id = Long.toString(a.info().pid());
      jobs.add(id);
      assertThat(a.info().tmuxSession()).isEqualTo("slurm-" + id);
      SlurmJob j = await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> Slurm.local().status(id).get(0), x -> x.state().equals("RUNNING"));
      assertThat(j.name()).contains("node-" + i);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> SlurmRuntime.allocation(a.logFile())
              .getOrDefault("cuda_visible_devices", "")
              .matches("[01]"));
    }
    swarms.terminate(swarmId, true, false, "r2");
    for (String id : jobs) {
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> !Slurm.local().status(id).get(0).active());
    }
  }

  @Test
  void aHostilePartitionIsRefusedAndNothingIsSubmitted() {
    assertThatThrownBy(() -> swarms.launch(
            new Swarms.LaunchRequest(
                1, "slurm", "", new Personas("", Map.of()), params("debug;touch /tmp/x")),
            "r1"))
        .hasMessageContaining("partition 'debug;touch /tmp/x'");
  }
}
