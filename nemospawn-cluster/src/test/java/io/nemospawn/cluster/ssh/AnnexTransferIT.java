package io.nemospawn.cluster.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * git-annex transfers against the real sshd and real git/git-annex on both sides (the cluster is
 * this machine through 127.0.0.1:2222, its clone in a temp directory).
 */
class AnnexTransferIT {
  static Sshd sshd;

  @TempDir
  Path dir;

  Path remoteDir;
  Cluster cluster;
  Clusters clusters;

  @BeforeAll
  static void sshd() {
    sshd = Sshd.require();
  }

  @BeforeEach
  void setUp() throws IOException {
    remoteDir = Files.createTempDirectory("ns-annex-remote-");
    cluster = sshd.register(dir.resolve("data"), "annexci");
    clusters = Clusters.of(dir.resolve("data"));
    // First contact: record the host key in the data directory's known_hosts.
    clusters.connect(cluster, true).close();
  }

  @AfterEach
  void removeRemote() throws Exception {
    new ProcessBuilder("chmod", "-R", "u+w", remoteDir.toString()).start().waitFor();
    new ProcessBuilder("rm", "-rf", remoteDir.toString()).start().waitFor();
  }

  static String git(Path in, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).directory(in.toFile()).redirectErrorStream(true);
    pb.environment().put("GIT_AUTHOR_NAME", "t");
    pb.environment().put("GIT_AUTHOR_EMAIL", "t@example.org");
    pb.environment().put("GIT_COMMITTER_NAME", "t");
    pb.environment().put("GIT_COMMITTER_EMAIL", "t@example.org");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("git %s: %s", argv, out).isZero();
    return out;
  }

  static void random(Path f, int mib, long seed) throws IOException {
    byte[] block = new byte[1 << 20];
    Random r = new Random(seed);
    try (OutputStream out = Files.newOutputStream(f)) {
      for (int i = 0; i < mib; i++) {
        r.nextBytes(block);
        out.write(block);
      }
    }
  }

  /** An annex with model.bin (8 MiB) and big.bin (16 MiB) annexed and committed. */
  Path annex() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("local"));
    git(repo, "init", "-q");
    git(repo, "annex", "init", "-q", "local");
    random(repo.resolve("model.bin"), 8, 1);
    random(repo.resolve("big.bin"), 16, 2);
    Files.writeString(repo.resolve("notes.txt"), "small, in git\n");
    git(repo, "annex", "add", "-q", "model.bin", "big.bin");
    git(repo, "-c", "annex.largefiles=nothing", "add", "notes.txt");
    git(repo, "commit", "-q", "-m", "models");
    return repo;
  }

  @Test
  void anAnnexedFileGoesThroughGitAnnexAndComesBackIntoAFreshClone() throws Exception {
    Path repo = annex();
    AnnexTransfer.Annexed model =
        AnnexTransfer.locate(repo.resolve("model.bin")).orElseThrow();
    assertThat(model.file()).isEqualTo("model.bin");
    assertThat(model.key()).startsWith("SHA256E-s" + (8 << 20) + "--");
    String sum = ArtifactTransfer.sha256(repo.resolve("model.bin"));
    assertThat(model.keySha256()).contains(sum);
    String clone = remoteDir.resolve("clone").toString();
    try (RemoteShell sh = clusters.connect(cluster, false)) {
      AnnexTransfer.RemoteAnnex ra = AnnexTransfer.probe(sh);
      assertThat(ra.available()).as(ra.missing()).isTrue();
      AnnexTransfer.Outcome up = AnnexTransfer.push(sh, cluster, clusters.settings(), model, clone);
      assertThat(up.sha256()).isEqualTo(sum);
      assertThat(up.bytes()).isEqualTo(8L << 20);
      assertThat(up.resumedFrom()).isZero();
      assertThat(up.remoteRepo()).isEqualTo(clone);
      // The clone on the cluster has the file in its work tree, backed by its own annex object.
      assertThat(up.remoteFile()).isEqualTo(clone + "/model.bin");
      assertThat(Files.isSymbolicLink(Path.of(clone, "model.bin"))).isTrue();
      assertThat(ArtifactTransfer.sha256(Path.of(clone, "model.bin"))).isEqualTo(sum);
      assertThat(git(Path.of(clone), "annex", "whereis", "model.bin")).contains("[here]");
      // Only model.bin was copied; big.bin's symlink is there, its content is not.
      assertThat(Files.isSymbolicLink(Path.of(clone, "big.bin"))).isTrue();
      assertThat(Files.exists(Path.of(clone, "big.bin")))
          .as("content of big.bin")
          .isFalse();
      // This repository knows the cluster's clone has it, as the git remote nemospawn-annexci.
      assertThat(git(repo, "annex", "whereis", "model.bin")).contains("nemospawn-annexci");
      assertThat(git(repo, "config", "remote.nemospawn-annexci.url").strip())
          .isEqualTo("ssh://root@" + sshd.host() + ":" + sshd.port() + clone);

      // A fresh clone that lacks the content gets it from the cluster, resuming a partial copy.
      Path fresh = dir.resolve("fresh");
      git(dir, "clone", "-q", repo.toString(), fresh.toString());
      git(fresh, "annex", "init", "-q", "fresh");
      git(fresh, "remote", "remove", "origin");
      assertThat(Files.exists(fresh.resolve("model.bin"))).isFalse();
      AnnexTransfer.Annexed there =
          AnnexTransfer.locate(fresh.resolve("model.bin")).orElseThrow();
      assertThat(there.key()).isEqualTo(model.key());
      Path tmp = Files.createDirectories(fresh.resolve(".git/annex/tmp"));
      try (var in = Files.newInputStream(repo.resolve("model.bin"))) {
        Files.write(tmp.resolve(model.key()), in.readNBytes(3 << 20));
      }
      AnnexTransfer.Outcome down =
          AnnexTransfer.pull(sh, cluster, clusters.settings(), there, clone);
      assertThat(down.resumedFrom()).isEqualTo(3L << 20);
      assertThat(down.sha256()).isEqualTo(sum);
      assertThat(ArtifactTransfer.sha256(fresh.resolve("model.bin"))).isEqualTo(sum);
      assertThat(tmp.resolve(model.key())).doesNotExist();
      assertThat(git(fresh, "annex", "whereis", "model.bin")).contains("here");
    }
  }

  @Test
  void aPartialCopyOnTheClusterIsResumedAndAGarbageOneIsRedoneCorrectly() throws Exception {
    Path repo = annex();
    AnnexTransfer.Annexed model =
        AnnexTransfer.locate(repo.resolve("model.bin")).orElseThrow();
    AnnexTransfer.Annexed big = AnnexTransfer.locate(repo.resolve("big.bin")).orElseThrow();
    String clone = remoteDir.resolve("clone").toString();
    try (RemoteShell sh = clusters.connect(cluster, false)) {
      AnnexTransfer.push(sh, cluster, clusters.settings(), model, clone);
      // What an interrupted transfer leaves: the first 6 MiB in the clone's annex/tmp.
      Path tmp = Files.createDirectories(Path.of(clone, ".git/annex/tmp"));
      try (var in = Files.newInputStream(repo.resolve("big.bin"))) {
        Files.write(tmp.resolve(big.key()), in.readNBytes(6 << 20));
      }
      AnnexTransfer.Outcome resumed =
          AnnexTransfer.push(sh, cluster, clusters.settings(), big, clone);
      assertThat(resumed.resumedFrom()).isEqualTo(6L << 20);
      assertThat(resumed.sha256()).isEqualTo(ArtifactTransfer.sha256(repo.resolve("big.bin")));
      assertThat(ArtifactTransfer.sha256(Path.of(clone, "big.bin"))).isEqualTo(resumed.sha256());
      assertThat(tmp.resolve(big.key())).doesNotExist();

      // A corrupt partial copy: git-annex checks the key and the result is still right.
      git(Path.of(clone), "annex", "drop", "--force", "big.bin");
      assertThat(Files.exists(Path.of(clone, "big.bin"))).isFalse();
      Files.write(tmp.resolve(big.key()), "garbage".repeat(1000).getBytes(StandardCharsets.UTF_8));
      AnnexTransfer.Outcome redone =
          AnnexTransfer.push(sh, cluster, clusters.settings(), big, clone);
      assertThat(ArtifactTransfer.sha256(Path.of(clone, "big.bin"))).isEqualTo(redone.sha256());
      assertThat(redone.sha256()).isEqualTo(resumed.sha256());
    }
  }

  @Test
  void aPushInterruptedMidwayLeavesAPartialCopyThatTheNextPushResumes() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("local"));
    git(repo, "init", "-q");
    git(repo, "annex", "init", "-q", "local");
    random(repo.resolve("huge.bin"), 96, 3);
    git(repo, "annex", "add", "-q", "huge.bin");
    git(repo, "commit", "-q", "-m", "huge");
    AnnexTransfer.Annexed huge = AnnexTransfer.locate(repo.resolve("huge.bin")).orElseThrow();
    String clone = remoteDir.resolve("clone").toString();
    Path partial = Path.of(clone, ".git/annex/tmp", huge.key());
    try (RemoteShell sh = clusters.connect(cluster, false)) {
      java.util.concurrent.atomic.AtomicReference<Throwable> failure =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread push = new Thread(() -> {
        try {
          AnnexTransfer.push(sh, cluster, clusters.settings(), huge, clone);
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      push.start();
      // Interrupt the push (git annex copy and its ssh/rsync are killed) once bytes arrive.
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!(Files.isRegularFile(partial) && Files.size(partial) > 0)
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      push.interrupt();
      push.join(30_000);
      assertThat(failure.get())
          .as("the push was interrupted")
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Interrupted");
      long have = Files.size(partial);
      assertThat(have).isBetween(1L, (96L << 20) - 1);
      assertThat(Files.exists(Path.of(clone, "huge.bin"))).isFalse();
      AnnexTransfer.Outcome resumed =
          AnnexTransfer.push(sh, cluster, clusters.settings(), huge, clone);
      assertThat(resumed.resumedFrom()).isPositive();
      assertThat(resumed.sha256()).isEqualTo(ArtifactTransfer.sha256(repo.resolve("huge.bin")));
      assertThat(ArtifactTransfer.sha256(Path.of(clone, "huge.bin"))).isEqualTo(resumed.sha256());
    }
  }

  @Test
  void aFileNamedLikeShellSyntaxOrAnOptionIsCopiedAsItsName() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("local"));
    git(repo, "init", "-q");
    git(repo, "annex", "init", "-q", "local");
    String name = "-n $(touch pwned) 'q\\\"; touch pwned2.bin";
    Files.write(repo.resolve(name), "weights".repeat(1000).getBytes(StandardCharsets.UTF_8));
    git(repo, "annex", "add", "-q", "--", name);
    git(repo, "commit", "-q", "-m", "odd");
    AnnexTransfer.Annexed odd = AnnexTransfer.locate(repo.resolve(name)).orElseThrow();
    assertThat(odd.file()).isEqualTo(name);
    String clone = remoteDir.resolve("clone").toString();
    try (RemoteShell sh = clusters.connect(cluster, false)) {
      AnnexTransfer.Outcome up = AnnexTransfer.push(sh, cluster, clusters.settings(), odd, clone);
      assertThat(up.remoteFile()).isEqualTo(clone + "/" + name);
      assertThat(Files.readString(Path.of(clone, name))).isEqualTo("weights".repeat(1000));
    }
    for (Path where :
        List.of(repo, Path.of(clone), Path.of(""), Path.of(System.getProperty("user.home")))) {
      assertThat(where.resolve("pwned")).doesNotExist();
      assertThat(where.resolve("pwned2.bin")).doesNotExist();
    }
  }

  @Test
  void filesGitAnnexDoesNotManageAreNotLocated() throws Exception {
    Path repo = annex();
    assertThat(AnnexTransfer.locate(repo.resolve("notes.txt"))).isEmpty();
    assertThat(AnnexTransfer.locate(repo.resolve("missing.bin"))).isEmpty();
    Path plain = Files.createDirectories(dir.resolve("plain"));
    git(plain, "init", "-q");
    Files.writeString(plain.resolve("a.bin"), "x");
    git(plain, "add", "a.bin");
    assertThat(AnnexTransfer.locate(plain.resolve("a.bin"))).isEmpty();
    Path outside = Files.createDirectories(remoteDir.resolve("outside"));
    Files.writeString(outside.resolve("b.bin"), "y");
    assertThat(AnnexTransfer.locate(outside.resolve("b.bin"))).isEmpty();
  }

  @Test
  void hostileClonePathsAreRefusedBeforeAnythingRunsAndNothingIsOverwritten() throws Exception {
    for (String bad : List.of(
        "$(id)",
        "/tmp/a b",
        "/tmp/x'y",
        "/tmp/x\"y",
        "/tmp/a\nb",
        "../x",
        "/tmp/x/../y",
        "~root/x",
        "/tmp/a;touch /tmp/pwned",
        "`id`",
        "")) {
      assertThatThrownBy(() -> AnnexTransfer.checkRepoPath(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Invalid path '" + bad + "'");
    }
    Path repo = annex();
    AnnexTransfer.Annexed model =
        AnnexTransfer.locate(repo.resolve("model.bin")).orElseThrow();
    Path occupied = Files.createDirectories(remoteDir.resolve("occupied"));
    Files.writeString(occupied.resolve("keep.txt"), "mine");
    try (RemoteShell sh = clusters.connect(cluster, false)) {
      assertThatThrownBy(() -> AnnexTransfer.push(
              sh, cluster, clusters.settings(), model, remoteDir + "/$(touch pwned)"))
          .hasMessageContaining("Invalid path");
      assertThatThrownBy(() ->
              AnnexTransfer.push(sh, cluster, clusters.settings(), model, occupied.toString()))
          .hasMessageContaining("exists and is not a git repository");
      assertThat(Files.readString(occupied.resolve("keep.txt"))).isEqualTo("mine");
      assertThat(occupied.resolve(".git")).doesNotExist();
      assertThatThrownBy(() ->
              AnnexTransfer.pull(sh, cluster, clusters.settings(), model, remoteDir + "/none"))
          .hasMessageContaining("No git-annex clone at " + remoteDir + "/none");
    }
    try (var files = Files.list(remoteDir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("occupied");
    }
    assertThat(Path.of("pwned")).doesNotExist();
  }

  @Test
  void aClusterWithoutGitAnnexIsReportedAndLeftUntouched() throws Exception {
    // The cluster is this machine, which has git-annex: a stand-in git-annex first on the
    // remote PATH (~/.nemospawn-remote/bin) answers as a missing one would.
    Path bin = Files.createDirectories(SshClusterIT.REMOTE_BIN);
    Path standIn = bin.resolve("git-annex");
    Files.writeString(standIn, "#!/bin/sh\necho 'sh: 1: git-annex: not found' >&2\nexit 127\n");
    Files.setPosixFilePermissions(standIn, PosixFilePermissions.fromString("rwx------"));
    try (RemoteShell sh = clusters.connect(cluster, false)) {
      AnnexTransfer.RemoteAnnex ra = AnnexTransfer.probe(sh);
      assertThat(ra.available()).isFalse();
      assertThat(ra.missing()).contains("no git-annex on the cluster");
      Path repo = annex();
      AnnexTransfer.Annexed model =
          AnnexTransfer.locate(repo.resolve("model.bin")).orElseThrow();
      String clone = remoteDir.resolve("clone").toString();
      assertThatThrownBy(() -> AnnexTransfer.push(sh, cluster, clusters.settings(), model, clone))
          .isInstanceOf(AnnexTransfer.UnavailableException.class)
          .hasMessageContaining("Cluster 'annexci' cannot take a git-annex transfer");
      assertThat(Path.of(clone)).doesNotExist();
      assertThat(git(repo, "remote").strip()).isEmpty();
    } finally {
      Files.deleteIfExists(standIn);
    }
  }
}
