package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.spi.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plans, artifacts, inboxes and the audit log shared by several real processes. */
class CoordinationIT {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("procs").create();
    team.agents().register("worker", "worker", List.of(), "");
  }

  @AfterEach
  void close() {
    ns.close();
  }

  private Process child(String... args) throws Exception {
    return ChildMain.start(Path.of("target", "child-logs"), args);
  }

  private static void awaitAll(List<Process> ps) throws Exception {
    for (Process p : ps) {
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("child finished").isTrue();
      assertThat(p.exitValue()).as("child exit code").isZero();
    }
  }

  @Test
  void twoProcessesReviewingOnePlanExactlyOneWins() throws Exception {
    Plan p = team.plans().submit(PlanSpec.of("contested").withAgent("worker"));
    List<Process> ps = new ArrayList<>();
    List<Path> outs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Path out = dir.resolve("review-" + i);
      outs.add(out);
      ps.add(child(
          "review",
          dir.toString(),
          team.id(),
          p.id(),
          i % 2 == 0 ? "approve" : "reject",
          "r" + i,
          out.toString()));
    }
    ChildMain.go(ps);
    awaitAll(ps);
    List<String> results = new ArrayList<>();
    for (Path o : outs) {
      results.add(Files.readString(o));
    }
    assertThat(results).filteredOn(r -> r.startsWith("won")).hasSize(1);
    assertThat(results).filteredOn(r -> r.equals("refused")).hasSize(3);
    Plan stored = team.plans().get(p.id());
    assertThat("won " + stored.status().wireName())
        .isEqualTo(results.stream().filter(r -> r.startsWith("won")).findFirst().orElseThrow());
  }

  @Test
  void processesReceivingOneInboxNeverBothGetAMessage() throws Exception {
    int n = 400;
    for (int i = 0; i < n; i++) {
      team.inbox().send("leader", "worker", "m" + i);
    }
    List<Process> ps = new ArrayList<>();
    List<Path> outs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path out = dir.resolve("received-" + i);
      outs.add(out);
      ps.add(child("receive", dir.toString(), team.id(), "worker", "30", out.toString()));
    }
    ChildMain.go(ps);
    // The leader receives too, at the same time.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      team.inbox().receive("worker").forEach(m -> ids.add(m.id()));
    }
    awaitAll(ps);
    for (Path o : outs) {
      ids.addAll(Files.readAllLines(o, StandardCharsets.UTF_8));
    }
    assertThat(ids).hasSize(n);
    assertThat(new HashSet<>(ids)).hasSize(n);
  }

  @Test
  void receiveWithTimeoutInAnotherProcessWakesOnASend() throws Exception {
    Path out = dir.resolve("woken");
    Process p = child("receive-wait", dir.toString(), team.id(), "worker", out.toString());
    long t0 = System.nanoTime();
    team.inbox().send("leader", "worker", "wake up");
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(Files.readAllLines(out)).containsExactly("wake up");
    // The child waits up to 120 s; it ends long before because the message woke it.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
  }

  @Test
  void concurrentPromotionsFromProcessesLeaveOnePromoted() throws Exception {
    List<Artifact> as = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      as.add(team.artifacts()
          .register(
              ArtifactSpec.of(ArtifactType.LORA_ADAPTER, dir.resolve("a" + i)).withValLoss(i)));
    }
    List<Process> ps = new ArrayList<>();
    for (Artifact a : as) {
      ps.add(child("promote", dir.toString(), team.id(), a.id(), "25"));
    }
    ChildMain.go(ps);
    awaitAll(ps);
    assertThat(team.artifacts().list(Artifacts.Query.all()).items())
        .filteredOn(Artifact::promoted)
        .hasSize(1);
  }

  @Test
  void auditAppendsFromManyProcessesAllArriveWhole() throws Exception {
    int procs = 4;
    int each = 40;
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < procs; i++) {
      ps.add(child("submit-plans", dir.toString(), team.id(), Integer.toString(each)));
    }
    ChildMain.go(ps);
    awaitAll(ps);
    List<String> lines = Files.readAllLines(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8);
    Set<String> planIds = new HashSet<>();
    for (String line : lines) {
      var n = Json.parseObject(line.getBytes(StandardCharsets.UTF_8)); // every line whole
      if (n.get("event").asString().equals("plan.submit")) {
        planIds.add(n.get("details").get("plan_id").asString());
      }
    }
    assertThat(planIds).hasSize(procs * each);
    assertThat(team.plans().list().items()).hasSize(procs * each);
  }
}
