package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.AuditLog;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every mutation of plans, artifacts and inboxes appends exactly one audit line. */
class AuditTest {
  @TempDir
  Path dir;

  int lines() throws Exception {
    Path f = dir.resolve("audit.jsonl");
    return Files.exists(f) ? Files.readAllLines(f).size() : 0;
  }

  <T> T once(NemoSpawn ns, String event, String agent, Supplier<T> op) throws Exception {
    int before = lines();
    T result = op.get();
    assertThat(lines()).as(event + " appends one line").isEqualTo(before + 1);
    AuditLog.Entry e = ns.audit().tail(1, null).get(0);
    assertThat(e.event()).isEqualTo(event);
    assertThat(e.user()).isEqualTo("auditor");
    assertThat(e.agentId()).isEqualTo(agent);
    return result;
  }

  @Test
  void everyMutationAppendsOneLine() throws Exception {
    try (NemoSpawn ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .user("auditor")
        .open()) {
      Team t = ns.newTeam("audited").create();
      String w = t.agents().register("w", "worker", List.of(), "").id();
      String v = t.agents().register("v", "worker", List.of(), "").id();
      Plan p =
          once(ns, "plan.submit", w, () -> t.plans().submit(PlanSpec.of("t").withAgent("w")));
      once(ns, "plan.approve", w, () -> t.plans().approve(p.id(), "lead", "ok"));
      Plan q = t.plans().submit(PlanSpec.of("t2").withAgent("w"));
      once(ns, "plan.reject", w, () -> t.plans().reject(q.id(), "lead", "no"));
      Artifact a = once(
          ns,
          "artifact.register",
          w,
          () -> t.artifacts()
              .register(ArtifactSpec.of(ArtifactType.DATASET, dir.resolve("d")).withAgent(w)));
      once(ns, "artifact.promote", w, () -> t.artifacts().promote(a.id()));
      once(ns, "inbox.send", "leader", () -> t.inbox().send("leader", "w", "hi"));
      once(ns, "inbox.broadcast", v, () -> t.inbox().broadcast("v", "all"));
      once(ns, "inbox.receive", w, () -> t.inbox().receive("w"));
      // Reading changes nothing and appends nothing.
      int before = lines();
      t.inbox().peek("w");
      t.inbox().receive("w");
      t.plans().list();
      t.artifacts().best(ArtifactType.DATASET);
      assertThat(lines()).isEqualTo(before);
      AuditLog.Entry send = ns.audit().tail(10, t.id()).stream()
          .filter(e -> e.event().equals("inbox.send"))
          .findFirst()
          .orElseThrow();
      assertThat(send.details()).containsEntry("to", w).containsEntry("transport", "file");
    }
  }
}
