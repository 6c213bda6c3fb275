package io.nemospawn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.AccessRole;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Principal;
import io.nemospawn.Team;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.state.AccessKeys;
import io.nemospawn.topology.GpuSnapshot;
import io.nemospawn.topology.GpuTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** HPO ask/tell and GPUs over nemospawn.v1, against a real server on loopback. */
class RemoteHpoGpuTest {
  static final String SPACE = """
      [search_space]
      lr = { type = "loguniform", low = 1e-5, high = 1e-3 }
      layers = { type = "int", low = 1, high = 4 }
      [objective]
      metric = "val_loss"
      direction = "minimize"
      [budget]
      max_trials = 5
      """;

  @TempDir
  Path data;

  NemoSpawn local;
  NemoSpawnV1Handler handler;
  ControlPlane server;
  String key;

  @BeforeEach
  void start() {
    key = ControlPlane.ensureKey(data).orElseThrow();
    local = NemoSpawn.open(data);
    handler = new NemoSpawnV1Handler(local);
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0), List.of(handler));
  }

  @AfterEach
  void stop() {
    server.close();
    handler.close();
    local.close();
  }

  /** Parameters with numbers as doubles: JSON does not keep Java's Long apart from Integer. */
  static Map<String, Object> numbers(Map<String, Object> params) {
    Map<String, Object> m = new java.util.TreeMap<>();
    params.forEach((k, v) -> m.put(k, v instanceof Number n ? (Object) n.doubleValue() : v));
    return m;
  }

  @Test
  void askReportTellLandInTheServersStudy() {
    try (NemoSpawn remote = NemoSpawn.connect(server.url(), key)) {
      RemoteStudies hpo = RemoteStudies.of(remote);
      RemoteStudies.StudyView v = hpo.create("lr-sweep", SPACE, null);
      assertThat(v.direction()).isEqualTo("MINIMIZE");
      assertThat(v.maxTrials()).isEqualTo(5);
      assertThat(v.config()).contains("lr");
      assertThat(Files.isRegularFile(Hpo.storageFile(data, "lr-sweep"))).isTrue();
      assertThat(hpo.names()).containsExactly("lr-sweep");

      RemoteStudies.Asked a = hpo.ask("lr-sweep");
      assertThat(a.params()).containsKeys("lr", "layers");
      double lr = ((Number) a.params().get("lr")).doubleValue();
      assertThat(lr).isBetween(1e-5, 1e-3);
      assertThat(hpo.report("lr-sweep", a.trial(), 1, 0.9)).isFalse();
      RemoteStudies.TrialView done = hpo.tell("lr-sweep", a.trial(), 0.5);
      assertThat(done.state()).isEqualTo("COMPLETE");
      assertThat(done.value()).isEqualTo(0.5);
      assertThat(done.intermediateValues()).containsEntry(1, 0.9);

      RemoteStudies.Asked b = hpo.ask("lr-sweep");
      assertThat(b.trial()).isEqualTo(a.trial() + 1);
      assertThat(hpo.tell("lr-sweep", b.trial(), TrialState.PRUNED).state()).isEqualTo("PRUNED");

      // what the server's own library sees
      try (Study s = Hpo.open(data, "lr-sweep")) {
        FrozenTrial t = s.trial(a.trial());
        assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(numbers(t.params())).isEqualTo(numbers(a.params()));
        assertThat(s.trials()).hasSize(2);
      }
      assertThat(hpo.best("lr-sweep"))
          .hasValueSatisfying(t -> assertThat(t.trial()).isEqualTo(a.trial()));
      assertThat(hpo.trials("lr-sweep"))
          .extracting(RemoteStudies.TrialView::state)
          .containsExactly("COMPLETE", "PRUNED");
      assertThat(hpo.trial("lr-sweep", b.trial()).params()).isEqualTo(b.params());
      assertThat(((Number) b.params().get("layers")).intValue()).isBetween(1, 4);

      // bad input: a clear error naming the value, nothing created
      assertThatThrownBy(() -> hpo.ask("no-such-study"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no-such-study");
      assertThatThrownBy(() -> hpo.create("../x", SPACE, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("../x");
      assertThatThrownBy(() -> hpo.create("lr-sweep", SPACE, null))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> hpo.tell("lr-sweep", a.trial(), 0.1))
          .isInstanceOf(IllegalStateException.class);
      assertThat(hpo.names()).containsExactly("lr-sweep");
      assertThat(data.resolve("x.journal")).doesNotExist();
      assertThatThrownBy(() -> RemoteStudies.of(local))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void gpusOfTheServerAndOfATeam() {
    try (NemoSpawn remote = NemoSpawn.connect(server.url(), key)) {
      Team team = remote.newTeam("gpu-team").create();
      GpuTopology t = team.topology();
      try (Team same = local.team("gpu-team")) {
        assertThat(t.gpus()).isEqualTo(same.topology().gpus());
      }
      // the server machine's GPUs: what the library detects there (this machine has none, so
      // the probe says why; on a GPU machine the same call lists them)
      GpuTopology detected = GpuTopology.detect();
      GpuTopology served = RemoteGpus.of(remote).topology();
      assertThat(served.source()).isEqualTo(detected.source());
      assertThat(served.size()).isEqualTo(detected.size());
      assertThat(served.warnings()).isEqualTo(detected.warnings());
      GpuSnapshot s = RemoteGpus.of(remote).snapshot();
      assertThat(s.source())
          .isEqualTo(GpuSnapshot.take(java.time.InstantSource.system()).source());
      // Team.dir() names the team's directory on the server's machine
      assertThat(team.dir()).isEqualTo(local.team("gpu-team").dir());
    }
  }

  @Test
  void withAuthOnViewersMayOnlyReadStudiesAndAgentsMayAskAndTell() throws Exception {
    try (NemoSpawn remote = NemoSpawn.connect(server.url(), key)) {
      RemoteStudies.of(remote).create("shared", SPACE, null);
    }
    Files.writeString(data.resolve("config.json"), "{\n  \"auth\": \"on\"\n}\n");
    AccessKeys keys = AccessKeys.of(data);
    String viewer = keys.generate("vera", new Principal("vera", AccessRole.VIEWER, ""));
    String agent = keys.generate("worker", new Principal("worker", AccessRole.AGENT, "some-team"));
    try (LineClient c = new LineClient(server.port())) {
      c.hello(ControlPlane.NEMOSPAWN_V1, viewer, -1);
      String id = c.command(
          ControlPlane.NEMOSPAWN_V1,
          "hpo.ask",
          Wire.MAPPER.createObjectNode().put("study", "shared"));
      JsonNode r = c.reply(id);
      assertThat(r.path("event").asString()).isEqualTo("command_rejected");
      assertThat(r.path("data").path("code").asString()).isEqualTo("forbidden");
      assertThat(r.path("data").path("reason").asString()).contains("viewers may only read");
      id = c.command(
          ControlPlane.NEMOSPAWN_V1,
          "hpo.trials",
          Wire.MAPPER.createObjectNode().put("study", "shared"));
      assertThat(c.reply(id).path("event").asString()).isEqualTo("result");
      // creating a study is a change to the data directory: not a viewer's, not an agent's
      id = c.command(
          ControlPlane.NEMOSPAWN_V1,
          "hpo.create",
          Wire.MAPPER.createObjectNode().put("study", "v").put("config", SPACE));
      assertThat(c.reply(id).path("data").path("code").asString()).isEqualTo("forbidden");
    }
    try (NemoSpawn asAgent = NemoSpawn.connect(server.url(), agent)) {
      RemoteStudies hpo = RemoteStudies.of(asAgent);
      RemoteStudies.Asked a = hpo.ask("shared");
      assertThat(hpo.report("shared", a.trial(), 1, 0.3)).isFalse();
      assertThat(hpo.tell("shared", a.trial(), 0.3).state()).isEqualTo("COMPLETE");
      assertThatThrownBy(() -> hpo.create("mine", SPACE, null))
          .isInstanceOf(RemoteException.class)
          .hasMessageContaining("may not");
    }
    try (Study s = Hpo.open(data, "shared")) {
      assertThat(s.trials()).hasSize(1);
      assertThat(s.trials().get(0).params())
          .isEqualTo(Map.copyOf(s.trials().get(0).params()));
    }
  }
}
