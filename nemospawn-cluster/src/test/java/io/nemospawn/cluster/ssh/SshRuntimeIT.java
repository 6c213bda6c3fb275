package io.nemospawn.cluster.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote agents on the real sshd: environment, tunnelled control plane, kill, a dropped link. */
class SshRuntimeIT {
  @TempDir
  Path dir;

  Sshd sshd;
  NemoSpawn ns;
  Team team;

  @BeforeEach
  void setUp() throws Exception {
    sshd = Sshd.require();
    Path data = dir.resolve("data");
    sshd.register(data, "ci");
    // First contact, accepted explicitly (as cluster register --accept-host-key does).
    Clusters.of(data).connect(Clusters.of(data).get("ci"), true).close();
    ns = NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open();
    team = ns.newTeam("remote").gpus(0, 1, 2, 3).create();
  }

  @AfterEach
  void tearDown() {
    if (ns != null) { // null when the sshd is missing and the test was skipped
      ns.close();
    }
  }

  private static String log(Agent a) throws Exception {
    return Files.exists(a.logFile()) ? Files.readString(a.logFile()) : "";
  }

  private static List<String> tunnelAgent(int steps) {
    List<String> cmd = new ArrayList<>(FakeAgents.javaCommand());
    cmd.add(TunnelAgent.class.getName());
    cmd.add(Integer.toString(steps));
    return cmd;
  }

  @Test
  void theSshRuntimeIsFoundByTheServiceLoader() {
    assertThat(AgentRuntime.named("ssh")).isInstanceOf(SshRuntime.class);
  }

  @Test
  void aRemoteAgentGetsItsEnvironmentPromptAndGpus() throws Exception {
    Agent a = team.spawn(AgentSpec.builder("env")
        .runtime("ssh")
        .env(SshRuntime.TARGET_ENV, "ci")
        .gpus(2, 0)
        .command(FakeAgents.command("--print-env"))
        .build());
    assertThat(a.runtime()).isEqualTo("ssh");
    assertThat(a.awaitExit(Duration.ofSeconds(120))).isTrue();
    String log = log(a);
    assertThat(log)
        .contains("NEMOSPAWN_TEAM=" + team.id() + "\n")
        .contains("NEMOSPAWN_AGENT=" + a.id() + "\n")
        .contains("CUDA_VISIBLE_DEVICES=2,0\n")
        .contains("NEMOSPAWN_PROMPT=" + System.getProperty("user.home") + "/" + Clusters.REMOTE_DIR
            + "/agents/" + team.id() + "/" + a.id() + "/prompt.md\n")
        .contains("PROMPT_OK=true")
        .doesNotContain(SshRuntime.TARGET_ENV + "=");
    assertThat(a.exitCode()).hasValue(0);
    // The environment file (which holds the key) was deleted once read.
    Path remote =
        Path.of(System.getProperty("user.home"), Clusters.REMOTE_DIR, "agents", team.id(), a.id());
    assertThat(remote.resolve("env")).doesNotExist();
    assertThat(remote.resolve("prompt.md")).exists();
    assertThat(a.attachCommand())
        .startsWith("ssh", "-t", "-p", Integer.toString(sshd.port()))
        .contains(sshd.user() + "@" + sshd.host())
        .last()
        .asString()
        .contains("'attach'")
        .contains("'nemo-" + team.id() + "-" + a.id() + "'");
  }

  @Test
  void aRemoteAgentCompletesATaskThroughTheTunnelledControlPlane() throws Exception {
    Task t = team.tasks().create("train remotely");
    Agent a = team.spawn(AgentSpec.builder("worker")
        .runtime("ssh")
        .env(SshRuntime.TARGET_ENV, sshd.user() + "@" + sshd.host() + ":" + sshd.port())
        .command(tunnelAgent(3))
        .build());
    assertThat(a.awaitExit(Duration.ofSeconds(120))).isTrue();
    assertThat(log(a)).contains("claimed=" + t.id()).contains("completed=" + t.id());
    assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.DONE);
    assertThat(a.exitCode()).hasValue(0);
  }

  @Test
  void killStopsTheRemoteSessionAndTheLink() throws Exception {
    Agent a = team.spawn(AgentSpec.builder("sleeper")
        .runtime("ssh")
        .env(SshRuntime.TARGET_ENV, "ci")
        .command("sleep", "300")
        .build());
    String session = "nemo-" + team.id() + "-" + a.id();
    assertThat(a.isAlive()).isTrue();
    assertThat(hasSession(session)).isTrue();
    a.stop(Duration.ofSeconds(5));
    assertThat(hasSession(session)).isFalse();
    assertThat(a.isAlive()).isFalse();
  }

  private static boolean hasSession(String s) throws Exception {
    return new ProcessBuilder("tmux", "-L", "nemospawn-remote", "has-session", "-t", s)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor()
        == 0;
  }

  @Test
  void aDroppedConnectionIsRetriedAndNothingIsLost() throws Exception {
    Task t = team.tasks().create("survive a drop");
    Agent a = team.spawn(AgentSpec.builder("steady")
        .runtime("ssh")
        .env(SshRuntime.TARGET_ENV, "ci")
        .command(tunnelAgent(40))
        .build());
    await().atMost(Duration.ofSeconds(60)).until(() -> log(a).contains("line-3\n"));
    long link = a.info().pid();
    // Kill the sshd process serving this link's connection (not the listening sshd).
    long child = sshdChildOf(link);
    new ProcessBuilder("kill", "-9", Long.toString(child)).start().waitFor();
    Path linkDir = a.logFile().toAbsolutePath().getParent().resolve(a.id() + ".link");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Files.readString(linkDir.resolve("link.log")).contains("reconnected"));
    assertThat(a.awaitExit(Duration.ofSeconds(180))).isTrue();
    String log = log(a);
    for (int i = 1; i <= 40; i++) {
      assertThat(log).containsOnlyOnce("line-" + i + "\n");
    }
    assertThat(log).contains("completed=" + t.id());
    assertThat(team.tasks().get(t.id()).state()).isEqualTo(TaskState.DONE);
    assertThat(Files.readString(linkDir.resolve("link.log"))).contains("lost");
  }

  /** The pid of the sshd process whose peer is a connection of {@code pid}. */
  private long sshdChildOf(long pid) throws Exception {
    Process p = new ProcessBuilder("ss", "-Htnp").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Pattern line =
        Pattern.compile("\\S+\\s+\\d+\\s+\\d+\\s+(\\S+):(\\d+)\\s+(\\S+):(\\d+)\\s+(.*)");
    String linkPort = null;
    for (String l : out.split("\n")) {
      Matcher m = line.matcher(l.strip());
      if (m.matches()
          && m.group(4).equals(Integer.toString(sshd.port()))
          && m.group(5).contains("pid=" + pid + ",")) {
        linkPort = m.group(2);
      }
    }
    assertThat(linkPort).as("the link's connection in:\n" + out).isNotNull();
    for (String l : out.split("\n")) {
      Matcher m = line.matcher(l.strip());
      if (m.matches()
          && m.group(2).equals(Integer.toString(sshd.port()))
          && m.group(4).equals(linkPort)) {
        Matcher pm = Pattern.compile("pid=(\\d+)").matcher(m.group(5));
        assertThat(pm.find()).isTrue();
        return Long.parseLong(pm.group(1));
      }
    }
    throw new AssertionError("no sshd process for port " + linkPort + " in:\n" + out);
  }

  @Test
  void anUnknownClusterFailsTheSpawnNamingIt() {
    assertThatThrownBy(() -> team.spawn(AgentSpec.builder("nowhere")
            .runtime("ssh")
            .env(SshRuntime.TARGET_ENV, "nope")
            .command("sleep", "1")
            .build()))
        .hasMessageContaining("No cluster 'nope'");
  }

  @Test
  void theSwarmProviderSshLaunchesNodesOnTheCluster() throws Exception {
    try (io.nemospawn.server.swarm.Swarms swarms =
        io.nemospawn.server.swarm.Swarms.open(ns, (e, d) -> {})) {
      tools.jackson.databind.JsonNode spec = null;
      for (tools.jackson.databind.JsonNode p : swarms.providers()) {
        if (p.path("id").asString().equals("ssh")) {
          spec = p;
        }
      }
      assertThat(spec).isNotNull();
      assertThat(spec.path("disabled").asBoolean()).isFalse();
      var json = tools.jackson.databind.json.JsonMapper.builder().build();
      var bad = json.createObjectNode().put("cluster", "$(id)");
      bad.putArray("command").add("sleep").add("60");
      assertThatThrownBy(() -> swarms.launch(
              new io.nemospawn.server.swarm.Swarms.LaunchRequest(
                  1,
                  "ssh",
                  "",
                  new io.nemospawn.server.swarm.Personas("", java.util.Map.of()),
                  bad),
              "req-bad"))
          .hasMessageContaining("provider_params.cluster");
      var params = json.createObjectNode().put("cluster", "ci");
      params.putArray("command").add("sleep").add("60");
      var launched = swarms.launch(
          new io.nemospawn.server.swarm.Swarms.LaunchRequest(
              1, "ssh", "", new io.nemospawn.server.swarm.Personas("", java.util.Map.of()), params),
          "req-1");
      Team t = ns.team(launched.path("job_id").asString());
      Agent node = t.agent(t.agents().list().items().get(0).id());
      assertThat(node.runtime()).isEqualTo("ssh");
      assertThat(node.isAlive()).isTrue();
      assertThat(hasSession("nemo-" + t.id() + "-" + node.id())).isTrue();
      node.stop(Duration.ofSeconds(5));
      assertThat(hasSession("nemo-" + t.id() + "-" + node.id())).isFalse();
    }
  }
}
