package io.nemospawn.cluster.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clusters against the real sshd: register, status, host keys, hostile input, transfers. */
class SshClusterIT {
  static final Path REMOTE_BIN =
      Path.of(System.getProperty("user.home"), Clusters.REMOTE_DIR, "bin");

  @TempDir
  Path dir;

  static Sshd sshd;

  @BeforeAll
  static void standInNvidiaSmi() throws IOException {
    sshd = Sshd.require();
    // No GPU here: a stand-in nvidia-smi on the remote PATH prints a recorded H100 query and
    // records its arguments (the host is this machine, so its ~ is ours).
    Files.createDirectories(REMOTE_BIN);
    Path csv = REMOTE_BIN.resolve("nvidia-smi-h100-8.csv");
    try (InputStream in = SshClusterIT.class.getResourceAsStream("/nvidia-smi-h100-8.csv")) {
      Files.write(csv, in.readAllBytes());
    }
    Path smi = REMOTE_BIN.resolve("nvidia-smi");
    Files.writeString(
        smi, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.argv\"\ncat \"$0-h100-8.csv\"\n");
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwx------"));
  }

  @AfterAll
  static void removeStandIn() throws IOException {
    for (String f : List.of("nvidia-smi", "nvidia-smi.argv", "nvidia-smi-h100-8.csv")) {
      Files.deleteIfExists(REMOTE_BIN.resolve(f));
    }
  }

  @Test
  void registerWritesAnOwnerOnlyRecordReferencingTheKey() throws Exception {
    Clusters clusters = Clusters.of(dir);
    Cluster c = sshd.register(dir, "ci");
    Path rec = dir.resolve("clusters/ci.json");
    assertThat(Files.getPosixFilePermissions(rec))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String json = Files.readString(rec);
    assertThat(json)
        .contains("\"ssh_key\":\"" + sshd.key() + "\"")
        .contains("\"port\":" + sshd.port());
    assertThat(json).doesNotContain("PRIVATE KEY");
    assertThat(clusters.list()).containsExactly(c);
    assertThat(clusters.get("ci").host()).isEqualTo(sshd.host());
    assertThat(clusters.remove("ci")).isTrue();
    assertThat(clusters.list()).isEmpty();
    assertThatThrownBy(() -> clusters.get("ci")).hasMessageContaining("No cluster 'ci'");
  }

  @Test
  void hostileNamesAreRefusedBeforeAnythingIsWritten() {
    Clusters clusters = Clusters.of(dir);
    for (String bad : List.of("../x", "$(id)", "a;b", "a\nb", "", "..", "a/b")) {
      assertThatThrownBy(() -> clusters.register(bad, "h", 22, "root", null, ""))
          .hasMessageContaining("Invalid cluster name");
    }
    assertThatThrownBy(() -> clusters.register("ok", "h;touch x", 22, "root", null, ""))
        .hasMessageContaining("Invalid host 'h;touch x'");
    assertThatThrownBy(() -> clusters.register("ok", "h", 22, "$(id)", null, ""))
        .hasMessageContaining("Invalid SSH user '$(id)'");
    assertThatThrownBy(() -> clusters.register("ok", "-oProxyCommand=x", 22, "root", null, ""))
        .hasMessageContaining("Invalid host");
    assertThatThrownBy(() -> Cluster.ofRemote("root@h`id`")).hasMessageContaining("Invalid host");
    assertThat(dir.resolve("clusters")).doesNotExist();
  }

  @Test
  void firstContactNeedsExplicitAcceptanceThenTheKeyIsKnown() throws Exception {
    Cluster c = sshd.register(dir, "ci");
    Clusters clusters = Clusters.of(dir);
    // Only our (empty) known_hosts: the user's file may know the host already.
    SshSettings ours = new SshSettings(
        List.of(dir.resolve("clusters/known_hosts")), false, Duration.ofSeconds(10));
    assertThatThrownBy(() -> RemoteShell.open(c, ours))
        .isInstanceOf(HostKeyException.class)
        .hasMessageContaining("[" + sshd.host() + "]:" + sshd.port())
        .hasMessageContaining("SHA256:")
        .hasMessageContaining("accept it explicitly");
    assertThat(dir.resolve("clusters/known_hosts")).doesNotExist();
    try (RemoteShell sh = RemoteShell.open(c, ours.withAcceptNewHostKey(true))) {
      assertThat(sh.exec(List.of("echo", "hi"), Duration.ofSeconds(20)).out()).isEqualTo("hi\n");
    }
    assertThat(Files.readString(dir.resolve("clusters/known_hosts")))
        .startsWith("[" + sshd.host() + "]:" + sshd.port() + " ssh-ed25519 ");
    try (RemoteShell sh = RemoteShell.open(c, ours)) {
      assertThat(sh.connected()).isTrue();
    }
    assertThat(clusters.status(c, false).reachable()).isTrue();
  }

  @Test
  void aChangedHostKeyIsRefusedNamingHostAndFingerprints() throws Exception {
    Cluster c = sshd.register(dir, "ci");
    // Record another ed25519 key (the client's public key) as the host's.
    String[] pub = Files.readString(sshd.pubKey()).strip().split("\\s+");
    Path kh = dir.resolve("clusters/known_hosts");
    Files.createDirectories(kh.getParent());
    Files.writeString(
        kh, "[" + sshd.host() + "]:" + sshd.port() + " " + pub[0] + " " + pub[1] + "\n");
    String before = Files.readString(kh);
    assertThatThrownBy(() -> Clusters.of(dir).connect(c, true))
        .isInstanceOf(HostKeyException.class)
        .matches(e -> ((HostKeyException) e).changed(), "changed")
        .hasMessageContaining("has CHANGED")
        .hasMessageContaining("[" + sshd.host() + "]:" + sshd.port())
        .hasMessageMatching(
            "(?s).*offers ssh-ed25519 SHA256:\\S+ but .* records ssh-ed25519 SHA256:\\S+.*");
    assertThat(Files.readString(kh)).isEqualTo(before);
    ClusterStatus st = Clusters.of(dir).status(c, true);
    assertThat(st.reachable()).isFalse();
    assertThat(st.error()).contains("has CHANGED");
  }

  @Test
  void statusReportsLatencyGpusLoadAndTheRemoteNemospawn() throws Exception {
    Cluster c = sshd.register(dir, "ci");
    ClusterStatus st = Clusters.of(dir).status(c, true);
    assertThat(st.reachable()).as(st.error()).isTrue();
    assertThat(st.latencyMillis()).isBetween(0L, 10_000L);
    assertThat(st.gpus()).hasSize(8);
    assertThat(st.gpus().get(0).name()).isEqualTo("NVIDIA H100 80GB HBM3");
    assertThat(st.gpus().get(1).memoryUsedMb()).isEqualTo(74213);
    assertThat(st.gpuError()).isEmpty();
    assertThat(st.load()).matches("\\d+\\.\\d+ \\d+\\.\\d+ \\d+\\.\\d+");
    assertThat(Files.readAllLines(REMOTE_BIN.resolve("nvidia-smi.argv")))
        .containsExactlyElementsOf(io.nemospawn.gpu.NvidiaSmiOutput.queryArguments());
    boolean installed =
        new ProcessBuilder("sh", "-c", "command -v nemospawn").start().waitFor() == 0
            || Files.isExecutable(REMOTE_BIN.resolve("nemospawn"));
    assertThat(st.nemospawnVersion().isEmpty()).isEqualTo(!installed);
  }

  @Test
  void anUnreachableClusterIsReportedNotThrown() {
    Cluster c = Clusters.of(dir).register("gone", "127.0.0.1", 1, "root", sshd.key(), "");
    ClusterStatus st = Clusters.of(dir).status(c, true);
    assertThat(st.reachable()).isFalse();
    assertThat(st.error()).contains("gone").contains("127.0.0.1:1");
  }

  @Test
  void hostileArgumentsReachTheRemoteCommandVerbatimAndRunNothing() throws Exception {
    Path marker = dir.resolve("pwned");
    List<String> hostile = List.of(
        "$(touch " + marker + ")",
        "`touch " + marker + "`",
        "; touch " + marker,
        "a'b\"c",
        "line1\nline2",
        "&& touch " + marker + " ||",
        "$HOME",
        "*",
        "'",
        "");
    try (RemoteShell sh = Clusters.of(dir).connect(sshd.cluster("ci"), true)) {
      List<String> argv = new java.util.ArrayList<>(List.of("printf", "[%s]\\n"));
      argv.addAll(hostile);
      RemoteShell.Result r = sh.exec(argv, Duration.ofSeconds(20));
      StringBuilder want = new StringBuilder();
      hostile.forEach(h -> want.append('[').append(h).append("]\n"));
      assertThat(r.out()).isEqualTo(want.toString());
      assertThat(r.exitCode()).isZero();
      // As a program name too.
      RemoteShell.Result r2 = sh.exec(List.of("touch " + marker), Duration.ofSeconds(20));
      assertThat(r2.exitCode()).isEqualTo(127);
    }
    assertThat(marker).doesNotExist();
    assertThat(RemoteShell.quote("it's")).isEqualTo("'it'\\''s'");
    assertThatThrownBy(() -> RemoteShell.quote("a\0b")).hasMessageContaining("NUL");
  }

  @Test
  void fiftyMegabytesGoBothWaysWithChecksumsAndAnInterruptedPushResumes() throws Exception {
    Path src = dir.resolve("model.bin");
    byte[] block = new byte[1 << 20];
    new Random(16).nextBytes(block);
    try (var out = Files.newOutputStream(src)) {
      for (int i = 0; i < 50; i++) {
        block[0] = (byte) i;
        out.write(block);
      }
    }
    String sum = ArtifactTransfer.sha256(src);
    Path remoteDir = Files.createTempDirectory("ns-ssh-transfer-");
    String remote = remoteDir.resolve("sub/model.bin").toString();
    Cluster c = sshd.cluster("ci");
    // Interrupt the first push by closing its connection once 20 MB are across.
    AtomicReference<RemoteShell> first = new AtomicReference<>();
    first.set(Clusters.of(dir).connect(c, true));
    assertThatThrownBy(() -> ArtifactTransfer.push(first.get(), src, remote, done -> {
          if (done >= 20L << 20) {
            first.get().close();
          }
        }))
        .isInstanceOf(IOException.class);
    long partial = Files.size(Path.of(remote + ".part"));
    assertThat(partial).isBetween(1L, (50L << 20) - 1);
    assertThat(Path.of(remote)).doesNotExist();
    try (RemoteShell sh = Clusters.of(dir).connect(c, false)) {
      ArtifactTransfer.Outcome up = ArtifactTransfer.push(sh, src, remote, done -> {});
      assertThat(up.resumedFrom()).isPositive().isLessThanOrEqualTo(partial);
      assertThat(up.sha256()).isEqualTo(sum);
      assertThat(ArtifactTransfer.sha256(Path.of(remote))).isEqualTo(sum);
      assertThat(Path.of(remote + ".part")).doesNotExist();
      // Pull back, resuming a partial local copy of the first 10 MB.
      Path back = dir.resolve("back/model.bin");
      Files.createDirectories(back.getParent());
      try (var in = Files.newInputStream(src)) {
        Files.write(dir.resolve("back/model.bin.part"), in.readNBytes(10 << 20));
      }
      ArtifactTransfer.Outcome down = ArtifactTransfer.pull(sh, remote, back, done -> {});
      assertThat(down.resumedFrom()).isEqualTo(10L << 20);
      assertThat(ArtifactTransfer.sha256(back)).isEqualTo(sum);
      assertThat(down.bytes()).isEqualTo(50L << 20);
      // A corrupt partial copy is caught by the checksum and removed, losing nothing else.
      Path bad = dir.resolve("bad/model.bin");
      Files.createDirectories(bad.getParent());
      Files.write(dir.resolve("bad/model.bin.part"), "garbage".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> ArtifactTransfer.pull(sh, remote, bad, d -> {}))
          .hasMessageContaining("Checksum mismatch");
      assertThat(dir.resolve("bad/model.bin.part")).doesNotExist();
      assertThat(bad).doesNotExist();
      assertThat(ArtifactTransfer.pull(sh, remote, bad, d -> {}).sha256()).isEqualTo(sum);
    } finally {
      new ProcessBuilder("rm", "-rf", remoteDir.toString()).start().waitFor();
    }
  }
}
