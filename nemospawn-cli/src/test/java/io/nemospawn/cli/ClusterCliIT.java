package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.board.BoardOptions;
import io.nemospawn.board.BoardServer;
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
      assertThat(push.out())
          .contains("\"sha256\" : \"")
          .contains("\"bytes\" : " + (3 << 20))
          .contains("\"method\" : \"sftp\"");
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

  private static String git(Path in, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).directory(in.toFile()).redirectErrorStream(true);
    pb.environment().put("GIT_AUTHOR_NAME", "t");
    pb.environment().put("GIT_AUTHOR_EMAIL", "t@example.org");
    pb.environment().put("GIT_COMMITTER_NAME", "t");
    pb.environment().put("GIT_COMMITTER_EMAIL", "t@example.org");
    Process p = pb.start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("git %s: %s", argv, out).isZero();
    return out;
  }

  @Test
  void anAnnexedArtifactGoesThroughGitAnnexBothWays() throws Exception {
    register();
    Path repo = Files.createDirectories(dir.resolve("models"));
    git(repo, "init", "-q");
    git(repo, "annex", "init", "-q", "here");
    Path file = repo.resolve("ckpt.bin");
    byte[] bytes = new byte[4 << 20];
    new java.util.Random(7).nextBytes(bytes);
    Files.write(file, bytes);
    git(repo, "annex", "add", "-q", "ckpt.bin");
    git(repo, "commit", "-q", "-m", "ckpt");
    Path plain = dir.resolve("plain.bin");
    Files.write(plain, new byte[1024]);
    String teamId;
    String artId;
    String plainId;
    try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"))) {
      Team t = ns.newTeam("annexed").create();
      teamId = t.id();
      artId = t.artifacts()
          .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, file))
          .id();
      plainId = t.artifacts()
          .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, plain))
          .id();
    }
    Path remote = Files.createTempDirectory("ns-cli-annex-");
    String clone = remote.resolve("clone").toString();
    try {
      CliProcesses.Result push = cli(
          "artifact", "push", teamId, artId, "--cluster", "ci", "--remote-path", clone, "--json");
      assertThat(push.code()).as(push.err()).isZero();
      String sum = java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
      assertThat(push.out())
          .contains("\"method\" : \"git-annex\"")
          .contains("\"sha256\" : \"" + sum + "\"")
          .contains("\"bytes\" : " + (4 << 20))
          .contains("\"remote_repo\" : \"" + clone + "\"")
          .contains("\"key\" : \"SHA256E-s" + (4 << 20) + "--" + sum + ".bin\"");
      assertThat(Files.mismatch(file, Path.of(clone, "ckpt.bin"))).isEqualTo(-1);
      // The content leaves this repository (it is safe on the cluster); pull brings it back.
      git(repo, "annex", "drop", "--force", "ckpt.bin");
      assertThat(Files.exists(file)).isFalse();
      CliProcesses.Result pull =
          cli("artifact", "pull", teamId, artId, "--cluster", "ci", "--remote-path", clone);
      assertThat(pull.code()).as(pull.err()).isZero();
      assertThat(pull.out()).contains("via git-annex").contains("sha256 " + sum);
      assertThat(Files.isSymbolicLink(file)).isTrue();
      assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
      // --method sftp copies the annexed file's content; git-annex refuses a plain file.
      String target = remote.resolve("flat/ckpt.bin").toString();
      CliProcesses.Result sftp = cli(
          "artifact",
          "push",
          teamId,
          artId,
          "--cluster",
          "ci",
          "--remote-path",
          target,
          "--method",
          "sftp",
          "--json");
      assertThat(sftp.code()).as(sftp.err()).isZero();
      assertThat(sftp.out()).contains("\"method\" : \"sftp\"");
      assertThat(Files.readAllBytes(Path.of(target))).isEqualTo(bytes);
      // Pulled over SFTP, an annexed file stays annexed: the copy is reinjected, not written over
      // the symlink.
      git(repo, "annex", "drop", "--force", "ckpt.bin");
      CliProcesses.Result sftpPull = cli(
          "artifact",
          "pull",
          teamId,
          artId,
          "--cluster",
          "ci",
          "--remote-path",
          target,
          "--method",
          "sftp");
      assertThat(sftpPull.code()).as(sftpPull.err()).isZero();
      assertThat(sftpPull.out()).contains("via sftp");
      assertThat(Files.isSymbolicLink(file)).isTrue();
      assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
      assertThat(git(repo, "status", "--porcelain")).isEmpty();
      CliProcesses.Result refused = cli(
          "artifact",
          "push",
          teamId,
          plainId,
          "--cluster",
          "ci",
          "--remote-path",
          clone,
          "--method",
          "git-annex");
      assertThat(refused.code()).isNotZero();
      assertThat(refused.err()).contains(plain.toString()).contains("is not an annexed file");
      CliProcesses.Result hostile = cli(
          "artifact",
          "push",
          teamId,
          artId,
          "--cluster",
          "ci",
          "--remote-path",
          remote + "/$(touch pwned)");
      assertThat(hostile.code()).isNotZero();
      assertThat(hostile.err()).contains("Invalid path '" + remote + "/$(touch pwned)'");
      try (var files = Files.list(remote)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("clone", "flat");
      }
    } finally {
      new ProcessBuilder("chmod", "-R", "u+w", remote.toString()).start().waitFor();
      new ProcessBuilder("rm", "-rf", remote.toString()).start().waitFor();
    }
  }

  @Test
  void withoutGitAnnexOnTheClusterAnAnnexedArtifactFallsBackToSftpAndIsReinjected()
      throws Exception {
    register();
    Path repo = Files.createDirectories(dir.resolve("models"));
    git(repo, "init", "-q");
    git(repo, "annex", "init", "-q", "here");
    Path file = repo.resolve("ckpt.bin");
    byte[] bytes = new byte[2 << 20];
    new java.util.Random(8).nextBytes(bytes);
    Files.write(file, bytes);
    git(repo, "annex", "add", "-q", "ckpt.bin");
    git(repo, "commit", "-q", "-m", "ckpt");
    String teamId;
    String artId;
    try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"))) {
      Team t = ns.newTeam("noannex").create();
      teamId = t.id();
      artId = t.artifacts()
          .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, file))
          .id();
    }
    // The cluster is this machine, which has git-annex: a stand-in first on the remote PATH
    // (~/.nemospawn-remote/bin) answers as a missing git-annex would.
    Path bin = Files.createDirectories(
        Path.of(System.getProperty("user.home"), ".nemospawn-remote", "bin"));
    Path standIn = bin.resolve("git-annex");
    Files.writeString(standIn, "#!/bin/sh\necho 'git-annex: not found' >&2\nexit 127\n");
    Files.setPosixFilePermissions(
        standIn, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Path remote = Files.createTempDirectory("ns-cli-noannex-");
    String where = remote.resolve("clone").toString();
    try {
      CliProcesses.Result strict = cli(
          "artifact",
          "push",
          teamId,
          artId,
          "--cluster",
          "ci",
          "--remote-path",
          where,
          "--method",
          "git-annex");
      assertThat(strict.code()).isNotZero();
      assertThat(strict.err())
          .contains("Cluster 'ci' cannot take a git-annex transfer: no git-annex on the cluster")
          .contains("--method sftp");
      assertThat(Files.exists(Path.of(where))).isFalse();
      CliProcesses.Result push = cli(
          "artifact", "push", teamId, artId, "--cluster", "ci", "--remote-path", where, "--json");
      assertThat(push.code()).as(push.err()).isZero();
      assertThat(push.err()).contains("no git-annex on the cluster").contains("over SFTP instead");
      assertThat(push.out()).contains("\"method\" : \"sftp\"");
      assertThat(Files.readAllBytes(Path.of(where, "ckpt.bin"))).isEqualTo(bytes);
      // Pulled back over SFTP, the content goes into the annex (git annex reinject).
      git(repo, "annex", "drop", "--force", "ckpt.bin");
      assertThat(Files.exists(file)).isFalse();
      CliProcesses.Result pull =
          cli("artifact", "pull", teamId, artId, "--cluster", "ci", "--remote-path", where);
      assertThat(pull.code()).as(pull.err()).isZero();
      assertThat(pull.out()).contains("via sftp");
      assertThat(Files.isSymbolicLink(file)).isTrue();
      assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
      assertThat(git(repo, "annex", "whereis", "ckpt.bin")).contains("here");
      try (var left = Files.list(repo)) {
        assertThat(left.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder(".git", "ckpt.bin");
      }
    } finally {
      Files.deleteIfExists(standIn);
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
      // The terminal board and the web board say so too.
      assertThat(cli("board", "live", teamId, "--once", "--width", "200").out())
          .containsPattern("far2\\s+worker\\s+\\S+\\s+no GPU\\s+UNREACHABLE since ");
      try (NemoSpawn ns = NemoSpawn.open(dir.resolve("data"));
          Team t = ns.team(teamId);
          BoardServer board =
              BoardServer.start(t, BoardOptions.builder().port(0).build())) {
        java.net.http.HttpResponse<String> page = java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(board.uri().resolve("/api/board"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        tools.jackson.databind.JsonNode onBoard =
            CliRun.JSON.readTree(page.body()).get("agents").get(0);
        assertThat(onBoard.get("health").asString()).startsWith("unreachable since ");
      }
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
