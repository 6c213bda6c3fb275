package io.nemospawn.cluster.ssh.internal;

import io.nemospawn.AccessRole;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Principal;
import io.nemospawn.cluster.ssh.Cluster;
import io.nemospawn.cluster.ssh.Clusters;
import io.nemospawn.cluster.ssh.RemoteShell;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import io.nemospawn.state.AccessKeys;
import io.nemospawn.state.Authorizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The link process of one remote agent, started detached by the ssh runtime and named by the
 * agent's {@code Launched} record (its pid): it holds the SSH connection after {@code spawn}
 * returns. It serves the data directory's control plane on a loopback port, forwards a port on
 * the remote host to it over the SSH connection (a reverse tunnel), delivers the prompt and the
 * environment over SFTP (the environment in a 0600 file the agent's wrapper sources and deletes),
 * starts the agent in tmux there, then copies the remote log into the local log file as it grows
 * and writes the local exit file when the agent ends. A dropped connection is retried with
 * backoff (0.5 s doubling to 30 s); the status file says {@code unreachable} meanwhile; the log
 * resumes from the local file's size, so nothing is lost.
 *
 * <p>Files in {@code <logs>/<agent>.link/}: {@code spec.json} (0600), {@code ready} (the remote
 * port, once the agent started), {@code failed} (why it could not start), {@code status} ({@code
 * connected} or {@code unreachable since T: why}), {@code link.log} (this process's output).
 */
public final class Link {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Duration CMD = Duration.ofSeconds(30);
  private static final long MAX_BACKOFF_MS = 30_000;

  private final LinkSpec spec;
  private final Cluster cluster;
  private final Path dir;
  private volatile @Nullable RemoteShell shell;
  private int remotePort;
  private int localPort;
  private String rdir = "";

  private Link(LinkSpec spec) {
    this.spec = spec;
    this.cluster = spec.cluster();
    this.dir = spec.dir();
  }

  /** Runs the link of the spec file given as the only argument. */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: Link SPEC_FILE");
      System.exit(2);
    }
    LinkSpec spec = LinkSpec.read(Path.of(args[0]));
    System.exit(new Link(spec).run());
  }

  private int run() throws Exception {
    Path data = spec.dataDir();
    Map<String, String> env = new LinkedHashMap<>(spec.env());
    String key = env.get(Authorizer.KEY_ENV);
    boolean ownKey = key == null || key.isBlank();
    if (ownKey) {
      key = AccessKeys.of(data)
          .generate(
              "agent:" + spec.agentId(),
              new Principal(spec.agentId(), AccessRole.AGENT, spec.teamId()));
    }
    String agentKey = java.util.Objects.requireNonNull(key, "key");
    if (ownKey) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> AccessKeys.of(data).revokeUser(spec.agentId()), "link-revoke-key"));
    }
    ControlPlane.Options options = ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0);
    try (NemoSpawn ns = NemoSpawn.builder().dataDir(data).open();
        ControlPlanes.Served served = ControlPlanes.serve(ns, options)) {
      localPort = served.server().port();
      try {
        start(env, agentKey);
      } catch (IOException | RuntimeException e) {
        Files.writeString(dir.resolve("failed"), String.valueOf(e.getMessage()));
        return 1;
      }
      follow();
      return 0;
    } finally {
      RemoteShell s = shell;
      if (s != null) {
        s.close();
      }
    }
  }

  private RemoteShell connect() throws IOException {
    RemoteShell s = RemoteShell.open(cluster, Clusters.of(spec.dataDir()).settings());
    shell = s;
    return s;
  }

  private void start(Map<String, String> env, String key) throws IOException {
    RemoteShell sh = connect();
    rdir = sh.home() + "/" + spec.remoteDir();
    sh.mkdirs(rdir);
    remotePort = sh.forwardRemote(0, "127.0.0.1", localPort);
    if (Files.isRegularFile(spec.prompt())) {
      sh.write(rdir + "/prompt.md", Files.readAllBytes(spec.prompt()), 0600);
    }
    env.remove(Authorizer.KEY_FILE_ENV);
    env.put(Authorizer.KEY_ENV, key);
    env.put("NEMOSPAWN_URL", "tcp://127.0.0.1:" + remotePort);
    env.put("NEMOSPAWN_PROMPT", rdir + "/prompt.md");
    env.put("NEMOSPAWN_DATA_DIR", rdir + "/data");
    env.put("NEMOSPAWN_REMOTE_CLUSTER", cluster.name());
    StringBuilder envFile = new StringBuilder();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException("Invalid environment variable name '" + e.getKey()
            + "' for agent " + spec.agentId() + "; use letters, digits and '_'");
      }
      envFile
          .append("export ")
          .append(e.getKey())
          .append('=')
          .append(RemoteShell.quote(e.getValue()))
          .append('\n');
    }
    sh.write(rdir + "/env", envFile.toString().getBytes(StandardCharsets.UTF_8), 0600);
    String q = RemoteShell.quote(rdir);
    String script = "#!/bin/sh\n"
        + ". " + RemoteShell.quote(rdir + "/env") + "\n"
        + "rm -f " + RemoteShell.quote(rdir + "/env") + "\n"
        + "cd " + q + " || exit 1\n"
        + "PATH=\"$HOME/" + Clusters.REMOTE_DIR + "/bin:$PATH\"; export PATH\n"
        + RemoteShell.commandLine(spec.command()) + " >>" + RemoteShell.quote(rdir + "/agent.log")
        + " 2>&1 </dev/null\n"
        + "echo $? >" + RemoteShell.quote(rdir + "/exit.tmp") + " && mv "
        + RemoteShell.quote(rdir + "/exit.tmp") + " " + RemoteShell.quote(rdir + "/exit") + "\n";
    sh.write(rdir + "/run.sh", script.getBytes(StandardCharsets.UTF_8), 0700);
    RemoteShell.Result r = sh.exec(
        List.of(
            "tmux",
            "-L",
            LinkSpec.TMUX_SOCKET,
            "new-session",
            "-d",
            "-s",
            spec.session(),
            rdir + "/run.sh"),
        CMD);
    if (r.exitCode() != 0) {
      throw new IOException("tmux on " + cluster.address() + " could not start session "
          + spec.session() + " (exit " + r.exitCode() + "): " + r.err().strip());
    }
    status("connected");
    Files.writeString(dir.resolve("ready"), Integer.toString(remotePort));
  }

  private void status(String text) {
    try {
      Files.writeString(dir.resolve("status"), text + "\n");
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** Copies the log and waits for the exit file, reconnecting as needed. */
  private void follow() throws InterruptedException {
    long backoff = 500;
    @Nullable Instant lostAt = null;
    while (true) {
      try {
        RemoteShell sh = shell;
        if (sh == null || !sh.connected()) {
          if (sh != null) {
            sh.close();
            shell = null;
            lostAt = Instant.now();
            status("unreachable since " + lostAt + ": the connection closed");
            System.err.println(lostAt + " link to " + cluster.address()
                + " lost (the connection closed); reconnecting");
          }
          sh = connect();
          sh.forwardRemote(remotePort, "127.0.0.1", localPort);
          status("connected");
          System.err.println(Instant.now() + " reconnected to " + cluster.address());
          lostAt = null;
          backoff = 500;
        }
        boolean done = sh.size(rdir + "/exit") >= 0;
        copyLog(sh);
        if (done) {
          String code = new String(sh.read(rdir + "/exit", 0, 64), StandardCharsets.UTF_8).strip();
          Files.writeString(spec.exitFile(), code + "\n");
          status("exited " + code);
          return;
        }
        Thread.sleep(500);
      } catch (IOException | RuntimeException e) {
        if (lostAt == null) {
          lostAt = Instant.now();
        }
        status("unreachable since " + lostAt + ": " + e.getMessage());
        System.err.println(Instant.now() + " link to " + cluster.address() + " lost: " + e
            + "; retrying in " + backoff + " ms");
        RemoteShell s = shell;
        if (s != null) {
          s.close();
          shell = null;
        }
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private void copyLog(RemoteShell sh) throws IOException {
    Path local = spec.logFile();
    long have = Files.exists(local) ? Files.size(local) : 0;
    long size = sh.size(rdir + "/agent.log");
    while (size > have) {
      byte[] chunk = sh.read(rdir + "/agent.log", have, (int) Math.min(size - have, 1 << 20));
      if (chunk.length == 0) {
        break;
      }
      try (OutputStream out =
          Files.newOutputStream(local, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        out.write(chunk);
      }
      have += chunk.length;
    }
  }

  /** The status line of a link: {@code connected}, {@code unreachable since ...}, or empty. */
  public static String statusOf(Path linkDir) {
    try {
      return Files.readString(linkDir.resolve("status")).strip();
    } catch (IOException e) {
      return "";
    }
  }

  static List<String> javaCommand(Path specFile) {
    List<String> cmd = new ArrayList<>();
    String java = ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(java);
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Link.class.getName());
    cmd.add(specFile.toString());
    return cmd;
  }
}
