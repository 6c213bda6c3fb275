package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/nemospawn} against the test sshd (scripts/ci/start-sshd.sh): {@code cluster
 * register/list/status/remove} in 1.0's forms, a fake agent spawned with {@code --cluster} that
 * completes a task with the real CLI through the tunnelled control plane, {@code spawn kill}, and
 * {@code artifact push/pull --cluster}.
 */
class ClusterCliIT {
  @TempDir
  Path dir;

  Properties sshd = new Properties();
  Map<String, String> env = new HashMap<>();

  @BeforeEach
  void sshd() throws IOException {
    Path f = Path.of("/tmp/ns-sshd.env");
    if (Files.isRegularFile(f)) {
      try (Reader r = Files.newBufferedReader(f)) {
        sshd.load(r);
      }
    }
    for (String k : List.of("NS_SSHD_HOST", "NS_SSHD_PORT", "NS_SSHD_USER", "NS_SSHD_KEY")) {
      String v = System.getenv(k);
      if (v != null && !v.isBlank()) {
        sshd.setProperty(k, v);
      }
    }
    if (sshd.getProperty("NS_SSHD_KEY") == null) {
      if (System.getenv("CI") != null) {
        Assertions.fail("CI is set but there is no test sshd (NS_SSHD_* or /tmp/ns-sshd.env)");
      }
      Assumptions.abort("Assumes the test sshd of scripts/ci/start-sshd.sh (/tmp/ns-sshd.env)");
    }
    env.put("NEMOSPAWN_DATA_DIR", dir.resolve("data").toString());
    env.put("NEMOSPAWN_DAEMON", "off");
  }

  private CliProcesses.Result cli(String... args) throws Exception {
    return CliProcesses.run(env, args);
  }

  private void register() throws Exception {
    CliProcesses.Result r = cli(
        "cluster",
        "register",
        "ci",
        "--host",
        sshd.getProperty("NS_SSHD_HOST"),
        "--key",
        sshd.getProperty("NS_SSHD_KEY"),
        "--user",
        sshd.getProperty("NS_SSHD_USER"),
        "--port",
        sshd.getProperty("NS_SSHD_PORT"),
        "--accept-host-key");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Registered cluster ci").contains("reachable, latency");
  }

  @Test
  void registerListStatusRemoveIn10Forms() throws Exception {
    CliProcesses.Result first = cli(
        "cluster",
        "register",
        "ci",
        "--host",
        sshd.getProperty("NS_SSHD_HOST"),
        "--key",
        sshd.getProperty("NS_SSHD_KEY"),
        "--port",
        sshd.getProperty("NS_SSHD_PORT"));
    // No --accept-host-key on first contact: registered, but refused to connect (unless the
    // user's own known_hosts knows the test sshd already).
    Path userKh = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    boolean userKnows = Files.isRegularFile(userKh)
        && Files.readString(userKh).contains("]:" + sshd.getProperty("NS_SSHD_PORT") + " ");
    if (!userKnows) {
      assertThat(first.code()).isEqualTo(ExitCodes.FAILURE);
      assertThat(first.out()).contains("unreachable").contains("accept it explicitly");
    }
    register();
    CliProcesses.Result list = cli("cluster", "list", "--json");
    assertThat(list.out()).contains("\"name\" : \"ci\"").contains("\"user\" : \"root\"");
    CliProcesses.Result st = cli("cluster", "status", "ci", "--json");
    assertThat(st.code()).as(st.err()).isZero();
    assertThat(st.out()).contains("\"reachable\" : true").contains("\"load\" : ");
    CliProcesses.Result bad = cli("cluster", "register", "../x", "--host", "h");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("Invalid cluster name '../x'");
    assertThat(dir.resolve("data/clusters/../x.json")).doesNotExist();
    assertThat(cli("cluster", "remove", "ci").code()).isZero();
    CliProcesses.Result gone = cli("cluster", "status", "ci");
    assertThat(gone.code()).isNotZero();
    assertThat(gone.err()).contains("No cluster 'ci'");
  }

  @Test
  void aFakeAgentOnTheClusterCompletesATaskThroughTheTunnelAndIsKilled() throws Exception {
    register();
    String teamId;
    Task task;
    try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"))) {
      Team t = ns.newTeam("far").gpus(0, 1).create();
      teamId = t.id();
      task = t.tasks().create("train far away");
    }
    List<String> fake = FakeAgents.command("--work-ms", "200", "--pause", "1");
    List<String> args = new ArrayList<>(List.of(
        "spawn",
        "agent",
        "--team",
        teamId,
        "--agent-name",
        "far1",
        "--cluster",
        "ci",
        "--gpu",
        "1",
        "--env",
        FakeAgents.CLI_ENV + "=" + CliProcesses.LAUNCHER + "",
        "--env",
        "NEMOSPAWN_DAEMON=off",
        "--agent-cmd",
        fake.get(0),
        "--"));
    args.addAll(fake.subList(1, fake.size()));
    CliProcesses.Result spawned = cli(args.toArray(String[]::new));
    assertThat(spawned.code()).as(spawned.err()).isZero();
    try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"))) {
      Team t = ns.team(teamId);
      await()
          .atMost(Duration.ofMinutes(3))
          .until(() -> t.tasks().get(task.id()).state() == TaskState.DONE);
      String agentId = t.agents().list().items().get(0).id();
      assertThat(t.agent(agentId).runtime()).isEqualTo("ssh");
      CliProcesses.Result kill = cli("spawn", "kill", "--team", teamId, "--agent", agentId);
      assertThat(kill.code()).as(kill.err()).isZero();
      Process p = new ProcessBuilder(
              "tmux",
              "-L",
              "nemospawn-remote",
              "has-session",
              "-t",
              "nemo-" + teamId + "-" + agentId)
          .start();
      assertThat(p.waitFor()).isNotZero();
    }
  }

  @Test
  void artifactPushAndPullWithTheCluster() throws Exception {
    register();
    Path file = dir.resolve("ckpt.bin");
    Files.write(file, new byte[3 << 20]);
    String teamId;
    String artId;
    try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"))) {
      Team t = ns.newTeam("arts").create();
      teamId = t.id();
      artId = t.artifacts()
          .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, file))
          .id();
    }
    Path remote = Files.createTempDirectory("ns-cli-push-");
    String target = remote.resolve("ckpt.bin").toString();
    try {
      CliProcesses.Result push = cli(
          "artifact", "push", teamId, artId, "--cluster", "ci", "--remote-path", target, "--json");
      assertThat(push.code()).as(push.err()).isZero();
      assertThat(push.out()).contains("\"sha256\" : \"").contains("\"bytes\" : " + (3 << 20));
      assertThat(Files.mismatch(file, Path.of(target))).isEqualTo(-1);
      Files.delete(file);
      CliProcesses.Result pull =
          cli("artifact", "pull", teamId, artId, "--cluster", "ci", "--remote-path", target);
      assertThat(pull.code()).as(pull.err()).isZero();
      assertThat(Files.size(file)).isEqualTo(3 << 20);
    } finally {
      new ProcessBuilder("rm", "-rf", remote.toString()).start().waitFor();
    }
  }

  private static tools.jackson.databind.JsonNode json(CliProcesses.Result r) {
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    return CliRun.JSON.readTree(r.out());
  }

  @Test
  void anAgentWhoseHostIsUnreachableIsReportedNotDeadAndComesBack() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(
        sshd.getProperty("NS_SSHD_HOST"), Integer.parseInt(sshd.getProperty("NS_SSHD_PORT")))) {
      CliProcesses.Result reg = cli(
          "cluster",
          "register",
          "via",
          "--host",
          "127.0.0.1",
          "--key",
          sshd.getProperty("NS_SSHD_KEY"),
          "--user",
          sshd.getProperty("NS_SSHD_USER"),
          "--port",
          Integer.toString(proxy.port()),
          "--accept-host-key");
      assertThat(reg.code()).as(reg.out() + reg.err()).isZero();
      String teamId;
      try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"))) {
        teamId = ns.newTeam("cut").create().id();
      }
      CliProcesses.Result spawned = cli(
          "spawn",
          "agent",
          "--team",
          teamId,
          "--agent-name",
          "far2",
          "--cluster",
          "via",
          "--agent-cmd",
          "sleep",
          "--",
          "600");
      assertThat(spawned.code()).as(spawned.err()).isZero();
      tools.jackson.databind.JsonNode row =
          json(cli("spawn", "list", "--team", teamId, "--json")).get(0);
      String agentId = row.get("agent_id").asString();
      assertThat(row.get("unreachable").isNull()).as(row.toString()).isTrue();
      assertThat(row.get("alive").asBoolean()).isTrue();

      // The host goes away (the sshd itself keeps running for everyone else).
      proxy.cut();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> !json(cli("spawn", "list", "--team", teamId, "--json"))
              .get(0)
              .get("unreachable")
              .isNull());
      row = json(cli("spawn", "list", "--team", teamId, "--json")).get(0);
      assertThat(row.get("unreachable").asString()).startsWith("unreachable since ");
      assertThat(row.get("status").asString()).isEqualTo("running");
      assertThat(row.get("alive").asBoolean()).isTrue();
      assertThat(cli("spawn", "list", "--team", teamId).out())
          .containsPattern("far2\\s+worker\\s+unreachable\\s+");
      tools.jackson.databind.JsonNode agent =
          json(cli("agent", "list", "--team", teamId, "--json")).get("agents").get(0);
      assertThat(agent.get("unreachable").asString()).startsWith("unreachable since ");
      assertThat(agent.get("status").asString()).isEqualTo("running");
      assertThat(cli("agent", "list", "--team", teamId).out())
          .containsPattern("far2\\s+worker\\s+-\\s+unreachable\\s+");
      // A health pass reports it unreachable (a problem: exit 1), never dead.
      CliProcesses.Result watch = cli("watch", "status", "--team", teamId, "--json");
      assertThat(watch.code()).isEqualTo(ExitCodes.FAILURE);
      tools.jackson.databind.JsonNode h =
          CliRun.JSON.readTree(watch.out()).get("agents").get(0);
      assertThat(h.get("state").asString()).isEqualTo("unreachable");
      assertThat(h.get("reason").asString()).startsWith("unreachable since ");
      try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"))) {
        Team t = ns.team(teamId);
        assertThat(t.agent(agentId).unreachable())
            .hasValueSatisfying(why -> assertThat(why).startsWith("unreachable since "));
        assertThat(t.checkHealth(Duration.ofMinutes(10)).agents())
            .singleElement()
            .satisfies(x -> assertThat(x.state()).isEqualTo("unreachable"));
        assertThat(t.agents().get(agentId).status())
            .isEqualTo(io.nemospawn.agent.AgentStatus.RUNNING);
        assertThat(t.agents().get(agentId).lifecycle())
            .isNotEqualTo(io.nemospawn.agent.LifecycleState.DEAD);
      }

      // The host comes back: the link reconnects and the agent is reachable again.
      proxy.restore();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> json(cli("spawn", "list", "--team", teamId, "--json"))
              .get(0)
              .get("unreachable")
              .isNull());
      tools.jackson.databind.JsonNode back = CliRun.JSON.readTree(
          cli("watch", "status", "--team", teamId, "--json").out());
      assertThat(back.get("agents").get(0).get("state").asString()).isEqualTo("healthy");
      CliProcesses.Result kill = cli("spawn", "kill", "--team", teamId, "--agent", agentId);
      assertThat(kill.code()).as(kill.err()).isZero();
      assertThat(json(cli("spawn", "list", "--team", teamId, "--json"))
              .get(0)
              .get("alive")
              .asBoolean())
          .isFalse();
    }
  }
}
