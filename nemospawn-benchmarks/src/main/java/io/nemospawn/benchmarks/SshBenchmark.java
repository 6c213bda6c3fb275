package io.nemospawn.benchmarks;

import io.nemospawn.cluster.ssh.AnnexTransfer;
import io.nemospawn.cluster.ssh.Cluster;
import io.nemospawn.cluster.ssh.RemoteShell;
import io.nemospawn.cluster.ssh.SshSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SSH clusters against the test sshd of {@code scripts/ci/start-sshd.sh} ({@code
 * /tmp/ns-sshd.env}): the round trip of one remote command on an open connection ({@code exec
 * true}: a session channel, the quoted command line, exit status), and SFTP upload and download of
 * a 16 MiB file (the transfer path of {@code artifact push/pull}, without the checksums), and a
 * whole git-annex push of a 16 MiB annexed file ({@link AnnexTransfer#push}: probe, git push,
 * {@code git annex copy --to}, both checksums), the clone's copy dropped before each.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar SshBenchmark} (quick: add
 * {@code -f 1 -wi 1 -i 3}).
 */
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class SshBenchmark {
  /** An open connection to the test sshd and a 16 MiB file. */
  @State(Scope.Benchmark)
  public static class Connected {
    RemoteShell shell;
    Cluster cluster;
    SshSettings settings;
    Path dir;
    Path file;
    String remote;

    @Setup(Level.Trial)
    public void open() throws IOException {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(Path.of("/tmp/ns-sshd.env"))) {
        p.load(r);
      }
      Cluster c = new Cluster(
          "bench",
          p.getProperty("NS_SSHD_HOST"),
          Integer.parseInt(p.getProperty("NS_SSHD_PORT")),
          p.getProperty("NS_SSHD_USER"),
          Path.of(p.getProperty("NS_SSHD_KEY")),
          "",
          Instant.now());
      cluster = c;
      settings = new SshSettings(
          List.of(Path.of(p.getProperty("NS_SSHD_KNOWN_HOSTS"))), false, Duration.ofSeconds(10));
      shell = RemoteShell.open(c, settings);
      dir = Files.createTempDirectory("nemospawn-bench-ssh-");
      file = dir.resolve("blob");
      byte[] b = new byte[16 << 20];
      new Random(1).nextBytes(b);
      Files.write(file, b);
      remote = dir.resolve("remote-blob").toString();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      shell.close();
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** One remote command's round trip. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int execRoundTrip(Connected c) throws IOException {
    return c.shell.exec(List.of("true"), Duration.ofSeconds(30)).exitCode();
  }

  /** SFTP upload of 16 MiB (divide 16 MiB by the time for the throughput). */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long sftpUpload16MiB(Connected c) throws IOException {
    c.shell.upload(c.file, c.remote, 0, d -> {});
    return c.shell.size(c.remote);
  }

  /** SFTP download of 16 MiB. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long sftpDownload16MiB(Connected c) throws IOException {
    if (c.shell.size(c.remote) != 16 << 20) {
      c.shell.upload(c.file, c.remote, 0, d -> {});
    }
    Path back = c.dir.resolve("back");
    c.shell.download(c.remote, back, 0, d -> {});
    return Files.size(back);
  }

  /** An annex with a 16 MiB annexed file and a clone of it on the "cluster" (a temp dir). */
  @State(Scope.Benchmark)
  public static class Annexed {
    AnnexTransfer.Annexed file;
    String clone;

    @Setup(Level.Trial)
    public void annex(Connected c) throws IOException, InterruptedException {
      Path repo = Files.createDirectories(c.dir.resolve("annex"));
      git(repo, "init", "-q");
      git(repo, "annex", "init", "-q", "bench");
      Files.copy(c.file, repo.resolve("model.bin"));
      git(repo, "annex", "add", "-q", "model.bin");
      git(
          repo,
          "-c",
          "user.name=bench",
          "-c",
          "user.email=bench@example.org",
          "commit",
          "-q",
          "-m",
          "model");
      file = AnnexTransfer.locate(repo.resolve("model.bin")).orElseThrow();
      clone = c.dir.resolve("clone").toString();
    }

    /** The clone forgets the content, so every push moves all 16 MiB. */
    @Setup(Level.Invocation)
    public void dropRemoteCopy(Connected c) throws IOException {
      if (c.shell.size(clone) >= 0) {
        c.shell.exec(
            List.of("git", "-C", clone, "annex", "dropkey", "--force", file.key()),
            Duration.ofSeconds(60));
      }
    }

    private static void git(Path in, String... args) throws IOException, InterruptedException {
      List<String> argv = new java.util.ArrayList<>(List.of("git"));
      argv.addAll(List.of(args));
      Process pr = new ProcessBuilder(argv)
          .directory(in.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (pr.waitFor() != 0) {
        throw new IOException("git " + argv + " failed");
      }
    }
  }

  /** A git-annex push of 16 MiB, end to end. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long annexPush16MiB(Connected c, Annexed a) throws IOException {
    return AnnexTransfer.push(c.shell, c.cluster, c.settings, a.file, a.clone).bytes();
  }
}
