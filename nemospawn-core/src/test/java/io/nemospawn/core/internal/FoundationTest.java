package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FoundationTest {
  @TempDir
  Path dir;

  @Test
  void createsOpensListsAndDeletesTeams() {
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      Team t = ns.newTeam("sweep").description("lr \"sweep\"\n$(id)").gpus(1, 0).create();
      assertThat(t.id()).matches("sweep-[0-9a-f]{8}");
      assertThat(t.info().gpuIds()).containsExactly(0, 1);
      assertThat(t.info().description()).isEqualTo("lr \"sweep\"\n$(id)");
      assertThat(ns.team("sweep").id()).isEqualTo(t.id());
      assertThat(ns.teams().items()).extracting(i -> i.id()).containsExactly(t.id());
      ns.deleteTeam(t.id());
      assertThat(ns.teams().items()).isEmpty();
      assertThatThrownBy(() -> ns.team("sweep"))
          .isInstanceOf(NoSuchElementException.class)
          .hasMessage(
              "No team 'sweep' in " + dir + "; teams: none (create one with NemoSpawn.newTeam)");
    }
  }

  @Test
  void writesTeamJsonAsPythonDoes() throws Exception {
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      Team t = ns.newTeam("a").gpus(0).create();
      String text = Files.readString(t.dir().resolve("team.json"));
      assertThat(text).startsWith("{\n  \"team_id\": \"" + t.id() + "\",\n  \"name\": \"a\",");
      assertThat(text)
          .contains("\"gpu_ids\": [\n    0\n  ],")
          .contains("\"gpus\": [],")
          .endsWith("}\n");
      assertThat(text)
          .containsPattern(
              "\"created_at\": \"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00\"");
    }
  }

  @Test
  void recordsTheTeamsGpusTopologyAndIslandsInTeamJson() throws Exception {
    var machine = io.nemospawn.topology.GpuTopology.builder()
        .gpu(io.nemospawn.topology.Gpu.of(0, "H100"))
        .gpu(io.nemospawn.topology.Gpu.of(1, "H100"))
        .gpu(io.nemospawn.topology.Gpu.of(2, "H100"))
        .link(0, 1, "NV18")
        .link(0, 2, "SYS")
        .link(1, 2, "SYS")
        .build();
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      Team t = ns.newTeam("g").gpus(0, 1).topology(machine).create();
      var n = Json.parseObject(Files.readAllBytes(t.dir().resolve("team.json")));
      assertThat(n.get("gpus")).hasSize(2);
      assertThat(n.get("gpus").get(1).get("name").asString()).isEqualTo("H100");
      assertThat(n.get("topology").toString())
          .isEqualTo("{\"0\":{\"0\":\"X\",\"1\":\"NV18\"},\"1\":{\"0\":\"NV18\",\"1\":\"X\"}}");
      assertThat(n.get("nvlink_islands").toString()).isEqualTo("[[0,1]]");
      Team none = ns.newTeam("laptop")
          .gpus(0)
          .topology(io.nemospawn.topology.GpuTopology.empty())
          .create();
      var m = Json.parseObject(Files.readAllBytes(none.dir().resolve("team.json")));
      assertThat(m.get("gpus")).isEmpty();
      assertThat(m.get("gpu_ids").toString()).isEqualTo("[0]");
    }
  }

  @Test
  void corruptTeamIsReportedAndOthersStillList() throws Exception {
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      Team good = ns.newTeam("good").create();
      Path bad = dir.resolve("teams/bad-00000000");
      Files.createDirectories(bad);
      Files.writeString(bad.resolve("team.json"), "{\"team_id\": ");
      var listing = ns.teams();
      assertThat(listing.items()).extracting(i -> i.id()).containsExactly(good.id());
      assertThat(listing.problems()).hasSize(1);
      assertThat(listing.problems().get(0).path()).isEqualTo(bad.resolve("team.json"));
      assertThat(listing.problems().get(0).reason()).startsWith("malformed JSON");
    }
  }

  @Test
  void registerTakesAnAgentSpecAndRefusesItsSpawnOnlyPartsWritingNothing() throws Exception {
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      Team t = ns.newTeam("reg").create();
      AgentInfo a = t.agents()
          .register(AgentSpec.builder("eval")
              .role("evaluator")
              .gpus(1, 2)
              .task("score")
              .build());
      assertThat(a.role()).isEqualTo("evaluator");
      assertThat(a.gpuIds()).containsExactly(1, 2);
      assertThat(a.task()).isEqualTo("score");
      var node = io.nemospawn.core.internal.state.Json.parseObject(java.nio.file.Files.readAllBytes(
          dir.resolve("teams").resolve(t.id()).resolve("agents").resolve(a.id() + ".json")));
      assertThat(node.path("role").asString()).isEqualTo("evaluator");
      assertThat(node.path("gpu_ids").toString()).isEqualTo("[1,2]");
      // The old four-String form still records the same fields.
      @SuppressWarnings("deprecation")
      AgentInfo old = t.agents().register("old", null, List.of(3), "t");
      assertThat(old.role()).isEqualTo("worker");
      assertThat(old.gpuIds()).containsExactly(3);
      assertThatThrownBy(() -> t.agents()
              .register(AgentSpec.builder("spawny")
                  .command("python", "train.py")
                  .runtime("tmux")
                  .build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Cannot register agent 'spawny' with command [python, train.py], runtime"
              + " 'tmux': registering records an agent started by hand and starts nothing; give"
              + " only its name, role, GPU indices and task, or spawn it");
      assertThat(t.agents().find("spawny")).isEmpty();
      assertThat(t.agents().list().items()).extracting(AgentInfo::name).containsOnly("eval", "old");
    }
  }

  @Test
  void agentsRegisterByNameAndLifecycleChangesAreEvents() {
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      Team t = ns.newTeam("life").create();
      List<TeamEvent> events = new CopyOnWriteArrayList<>();
      t.subscribe(events::add);
      AgentInfo a = t.agents().register("trainer", "worker", List.of(0), "train it");
      assertThat(t.agents().get("trainer").id()).isEqualTo(a.id());
      assertThatThrownBy(() -> t.agents().register("trainer", "worker", List.of(), ""))
          .hasMessageStartingWith("An agent named 'trainer' exists already");
      t.lifecycle().requestShutdown("trainer", "done");
      assertThatThrownBy(() -> t.lifecycle().idle("trainer", "x"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("from shutdown_requested to idle");
      t.lifecycle().approveShutdown(a.id(), "ok");
      assertThatThrownBy(() -> t.lifecycle().rejectShutdown(a.id(), "no"))
          .isInstanceOf(IllegalStateException.class);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(events)
              .filteredOn(e -> e instanceof TeamEvent.AgentLifecycleChanged)
              .extracting(e -> ((TeamEvent.AgentLifecycleChanged) e).state())
              .contains(LifecycleState.SHUTDOWN_APPROVED));
      assertThat(ns.audit().tail(10, t.id()))
          .extracting(e -> e.event())
          .contains("agent.register", "lifecycle.shutdown_request", "lifecycle.shutdown_approve");
    }
  }

  @Test
  void stateLockExcludesThreadsAndIsReentrant() throws Exception {
    Path lockFile = dir.resolve(".locks/x.lock");
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread th = new Thread(() -> {
        for (int j = 0; j < 50; j++) {
          try (StateLock l = StateLock.acquire(lockFile);
              StateLock again = StateLock.acquire(lockFile)) {
            max.accumulateAndGet(inside.incrementAndGet(), Math::max);
            inside.decrementAndGet();
          }
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(max.get()).isEqualTo(1);
  }

  @Test
  void jsonKeepsUnknownFieldsAndRejectsNonObjects() {
    var n = Json.parseObject("{\"python_only\": 1, \"team_id\": \"x\"}".getBytes());
    assertThat(new String(Json.bytes(n)))
        .isEqualTo("{\n  \"python_only\": 1,\n  \"team_id\": \"x\"\n}\n");
    assertThatThrownBy(() -> Json.parseObject("[1]".getBytes()))
        .hasMessage("expected a JSON object, found ARRAY");
  }
}
