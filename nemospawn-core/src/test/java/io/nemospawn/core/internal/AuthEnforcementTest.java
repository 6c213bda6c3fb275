package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.AccessDeniedException;
import io.nemospawn.AccessRole;
import io.nemospawn.ConfigKey;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Principal;
import io.nemospawn.Team;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AccessKeys;
import io.nemospawn.state.AuditChain;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API opened with a key: with auth on, a viewer key is refused every change, an agent key
 * every change outside its team, and nothing is written when refused; with auth off nothing is
 * checked. Real files, real audit chain.
 */
class AuthEnforcementTest {
  @TempDir
  Path dir;

  String teamA;
  String teamB;
  String taskA;
  String agentA;

  NemoSpawn open(String key) {
    return NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).key(key).open();
  }

  @BeforeEach
  void setUp() {
    try (NemoSpawn owner =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      Team a = owner.newTeam("alpha").create();
      Team b = owner.newTeam("beta").create();
      teamA = a.id();
      teamB = b.id();
      agentA = a.agents().register("w", "worker", List.of(), "").id();
      b.agents().register("w", "worker", List.of(), "");
      taskA = a.tasks().create("train").id();
      b.tasks().create("train");
      owner.config().set(ConfigKey.AUTH, "on");
    }
  }

  /** Every kind of change through the API, each on the given team. */
  Map<String, Consumer<NemoSpawn>> mutations(String team) {
    Map<String, Consumer<NemoSpawn>> m = new LinkedHashMap<>();
    m.put("team create", ns -> ns.newTeam("gamma").create());
    m.put("team delete", ns -> ns.deleteTeam(team));
    m.put("config set", ns -> ns.config().set(ConfigKey.WEB_PORT, "9999"));
    m.put("config unset", ns -> ns.config().unset(ConfigKey.AUTH));
    m.put("agent register", ns -> ns.team(team).agents().register("x", "worker", List.of(), ""));
    m.put("task create", ns -> ns.team(team).tasks().create("evil"));
    m.put("task update", ns -> {
      Team t = ns.team(team);
      t.tasks().update(t.tasks().list().items().get(0).id(), TaskUpdate.of(TaskState.DONE));
    });
    m.put("task claim", ns -> {
      Team t = ns.team(team);
      t.tasks().claim(t.tasks().list().items().get(0).id(), "w", Duration.ofMinutes(5));
    });
    m.put(
        "profile create",
        ns -> ns.profiles()
            .create(new io.nemospawn.agent.Profile(
                "evil", "claude", "", "", "", "", Map.of(), List.of(), "", false)));
    m.put("inbox send", ns -> ns.team(team).inbox().send("leader", "w", "hi"));
    m.put("inbox broadcast", ns -> ns.team(team).inbox().broadcast("leader", "hi"));
    m.put("inbox receive", ns -> ns.team(team).inbox().receive("w"));
    m.put("plan submit", ns -> ns.team(team).plans().submit(PlanSpec.of("p").withAgent("w")));
    m.put(
        "artifact register",
        ns -> ns.team(team)
            .artifacts()
            .register(ArtifactSpec.of(ArtifactType.DATASET, dir.resolve("d"))));
    return m;
  }

  String snapshot() throws Exception {
    StringBuilder b = new StringBuilder();
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted().toList()) {
        String rel = dir.relativize(p).toString();
        if (Files.isRegularFile(p) && !rel.startsWith(".locks")) {
          b.append(rel).append('=').append(Files.readString(p)).append('\n');
        } else {
          b.append(rel).append('\n');
        }
      }
    }
    return b.toString();
  }

  @Test
  void aViewerKeyIsRefusedEveryChangeAndNothingIsWritten() throws Exception {
    String viewer = AccessKeys.of(dir).generate("v", new Principal("vic", AccessRole.VIEWER, ""));
    String before = snapshot();
    List<String> refused = new ArrayList<>();
    for (var e : mutations(teamA).entrySet()) {
      try (NemoSpawn ns = open(viewer)) {
        assertThatThrownBy(() -> e.getValue().accept(ns))
            .as(e.getKey())
            .isInstanceOf(AccessDeniedException.class)
            .hasMessageContaining("vic (viewer)");
        refused.add(e.getKey());
      }
    }
    assertThat(refused).hasSize(14);
    assertThat(snapshot()).as("no file changed").isEqualTo(before);
    // Reads work.
    try (NemoSpawn ns = open(viewer)) {
      assertThat(ns.principal()).contains(new Principal("vic", AccessRole.VIEWER, ""));
      assertThat(ns.team(teamA).tasks().get(taskA).title()).isEqualTo("train");
      assertThat(ns.team(teamA).inbox().peek("w")).isEmpty();
      assertThat(ns.teams().items()).hasSize(2);
    }
  }

  @Test
  void anAgentKeyChangesOnlyItsOwnTeam() throws Exception {
    String agent = AccessKeys.of(dir).generate("a", new Principal(agentA, AccessRole.AGENT, teamA));
    String before = snapshot();
    for (var e : mutations(teamB).entrySet()) {
      try (NemoSpawn ns = open(agent)) {
        assertThatThrownBy(() -> e.getValue().accept(ns))
            .as(e.getKey())
            .isInstanceOf(AccessDeniedException.class)
            .hasMessageContaining(agentA + " (agent, team " + teamA + ")");
      }
    }
    assertThat(snapshot()).isEqualTo(before);
    try (NemoSpawn ns = open(agent)) {
      Team a = ns.team(teamA);
      a.tasks().create("own work");
      a.inbox().send("w", "leader", "done");
      a.tasks().update(taskA, TaskUpdate.of(TaskState.DONE));
      assertThatThrownBy(() -> ns.deleteTeam(teamA)).isInstanceOf(AccessDeniedException.class);
    }
    // The audit records the agent as the user of its changes, and the chain holds.
    List<String> lines = Files.readAllLines(dir.resolve("audit.jsonl"));
    String last = lines.get(lines.size() - 1);
    assertThat(last).contains("\"user\":\"" + agentA + "\"").contains("\"event\":\"task.update\"");
    assertThat(AuditChain.verify(AuditChain.files(dir)).intact()).isTrue();
  }

  @Test
  void usersChangeTeamsButNotSettingsAndAdminsEverything() {
    AccessKeys keys = AccessKeys.of(dir);
    String user = keys.generate("u", new Principal("ulla", AccessRole.USER, ""));
    String admin = keys.generate("a", new Principal("ada", AccessRole.ADMIN, ""));
    try (NemoSpawn ns = open(user)) {
      ns.team(teamB).tasks().create("more");
      ns.newTeam("gamma").create();
      assertThatThrownBy(() -> ns.config().set(ConfigKey.WEB_PORT, "9999"))
          .isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining("only admins");
    }
    try (NemoSpawn ns = open(admin)) {
      ns.config().set(ConfigKey.WEB_PORT, "9999");
      ns.deleteTeam(teamB);
    }
  }

  @Test
  void unknownOrRevokedKeysAreRefusedAtOpen() {
    AccessKeys keys = AccessKeys.of(dir);
    String user = keys.generate("u", new Principal("ulla", AccessRole.USER, ""));
    assertThatThrownBy(() -> open("x".repeat(43)))
        .isInstanceOf(AccessDeniedException.class)
        .hasMessageContaining("not valid");
    assertThat(keys.revokeUser("ulla")).isEqualTo(1);
    assertThatThrownBy(() -> open(user)).isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void aHandleWithoutAKeyIsReadOnlyWhenAKeyIsRequiredAndFreeOtherwise() {
    try (NemoSpawn ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .keyRequired()
        .open()) {
      assertThat(ns.team(teamA).tasks().list().items()).hasSize(1);
      assertThatThrownBy(() -> ns.team(teamA).tasks().create("x"))
          .isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining("needs an access key")
          .hasMessageContaining("NEMOSPAWN_KEY_FILE");
    }
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      ns.team(teamA).tasks().create("the owner of the files is not checked");
    }
  }

  @Test
  void withAuthOffAViewerKeyOnlyNamesTheUser() {
    try (NemoSpawn owner =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      owner.config().set(ConfigKey.AUTH, "off");
    }
    String viewer = AccessKeys.of(dir).generate("v", new Principal("vic", AccessRole.VIEWER, ""));
    try (NemoSpawn ns = open(viewer)) {
      ns.team(teamA).tasks().create("unchecked");
      assertThat(ns.audit().tail(1, null).get(0).user()).isEqualTo("vic");
    }
  }

  @Test
  void anEnvironmentCannotTurnAConfiguredAuthOff() {
    var a = io.nemospawn.state.Authorizer.of(dir, k -> k.equals("NEMOSPAWN_AUTH") ? "off" : null);
    assertThat(a.enabled()).isTrue();
  }
}
