package io.nemospawn.core.internal.runtime;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.Environment;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent in a detached tmux session {@code nemo-<team_id>-<agent_id>}. The environment
 * (API keys among it) never goes on a command line, where every user's {@code ps} would see it for
 * the tmux server's lifetime: it is written to {@code <logs>/<agent>.env} (mode 0600), which the
 * wrapper script sources and deletes before the agent starts. The agent's command goes to tmux as
 * separate arguments (tmux 3.x then executes it directly, no shell), and the pane's output is
 * appended to the log file by {@code pipe-pane}. The agent waits on a tmux channel until the pipe
 * is attached, so no early output is lost.
 *
 * <p>The server is the default one unless {@code NEMOSPAWN_TMUX_SOCKET} (or the system property
 * {@code nemospawn.tmux.socket}) names a socket path; the socket used is stored with the agent so
 * that any process finds the session again.
 */
public final class TmuxRuntime implements AgentRuntime {
  private static final Logger log = LoggerFactory.getLogger(TmuxRuntime.class);
  private static final Duration TMUX_TIMEOUT = Duration.ofSeconds(20);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  private final UnaryOperator<@Nullable String> env;

  /** Creates the runtime that reads the process environment; the service loader calls it. */
  public TmuxRuntime() {
    this(Environment::get);
  }

  /** Creates the runtime reading {@code TMUX_TMPDIR} and {@code NEMOSPAWN_TMUX_SOCKET} from env. */
  TmuxRuntime(UnaryOperator<@Nullable String> env) {
    this.env = env;
  }

  @Override
  public String name() {
    return "tmux";
  }

  @Override
  public Optional<String> unavailableReason() {
    if (Exec.which("tmux").isEmpty()) {
      return Optional.of("tmux is not installed; install it (apt-get install -y tmux) or choose"
          + " the process runtime");
    }
    Exec.Result v = Exec.run(List.of("tmux", "-V"), null);
    String version = v.out().strip();
    if (v.ok() && version.matches("tmux (\\d+)\\.(\\d+).*")) {
      String[] p = version.substring(5).split("[^0-9]+");
      int major = Integer.parseInt(p[0]);
      int minor = p.length > 1 ? Integer.parseInt(p[1]) : 0;
      if (major < 3 || (major == 3 && minor < 2)) {
        return Optional.of(version + " is too old: NemoSpawn needs tmux 3.2 or later; upgrade"
            + " tmux or choose the process runtime");
      }
    }
    return Optional.empty();
  }

  /** Returns the session name of an agent; tmux forbids '.' and ':' in names. */
  public static String sessionName(String teamId, String agentId) {
    return ("nemo-" + teamId + "-" + agentId).replaceAll("[.:\\s]", "_");
  }

  /**
   * Returns the socket to use: the configured one ({@code nemospawn.tmux.socket}, then {@code
   * NEMOSPAWN_TMUX_SOCKET}), else the default server's path {@code
   * $TMUX_TMPDIR/tmux-<uid>/default}, as tmux itself computes it.
   */
  String socket() {
    String s = System.getProperty("nemospawn.tmux.socket");
    if (s == null || s.isEmpty()) {
      s = env.apply("NEMOSPAWN_TMUX_SOCKET");
    }
    if (s != null && !s.isEmpty()) {
      return s;
    }
    return defaultSocketDir(env.apply("TMUX_TMPDIR")).resolve("default").toString();
  }

  /**
   * Returns the default server's directory {@code <tmpdir>/tmux-<uid>}, where {@code tmpdir} is
   * {@code $TMUX_TMPDIR} when set and not empty, else {@code /tmp}.
   */
  static Path defaultSocketDir(@Nullable String tmuxTmpDir) {
    String tmp = tmuxTmpDir == null || tmuxTmpDir.isEmpty() ? "/tmp" : tmuxTmpDir;
    return Path.of(tmp, "tmux-" + uid()).toAbsolutePath();
  }

  private static String uid() {
    try {
      return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "0";
    }
  }

  /**
   * Makes the directory of {@code socket} ready for tmux. The default server's directory {@code
   * tmux-<uid>} is created as tmux creates it, mode 0700 whatever the umask, because tmux refuses a
   * directory that others can access ("directory ... has unsafe permissions") and then stops
   * working for every session of the user, not only ours; an existing one that tmux would refuse
   * is reported with the command that repairs it, and left unchanged. Any other socket's missing
   * directories are created 0700 too; existing ones are the caller's choice.
   *
   * @throws IOException when the directory cannot be created or is unsafe, with a message that
   *     names the directory and the fix
   */
  static void prepareSocketDir(Path socket) throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (dir == null) {
      return;
    }
    boolean tmuxDefault = dir.getFileName() != null
        && dir.getFileName().toString().equals("tmux-" + uid())
        && socket.getFileName().toString().equals("default");
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = dir.getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        createPrivateDirectories(parent);
      }
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        // The umask can only take bits away; set the mode so the owner keeps rwx.
        Files.setPosixFilePermissions(dir, OWNER_ONLY);
        return;
      } catch (FileAlreadyExistsException raced) {
        // Another process created it first; it is checked below like any existing one.
      }
    }
    if (tmuxDefault) {
      checkTmuxWouldAccept(dir);
    }
  }

  private static void createPrivateDirectories(Path dir) throws IOException {
    Path parent = dir.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      createPrivateDirectories(parent);
    }
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException raced) {
      // Created meanwhile by someone else: fine.
    }
  }

  /** Applies tmux 3's own check: a directory, owned by us, with no permission for others. */
  private static void checkTmuxWouldAccept(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " is not a directory, and tmux needs a directory there for"
          + " its sockets; move it away (mv " + dir + " " + dir + ".old) and spawn again");
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (!String.valueOf(owner).equals(uid())) {
      throw new IOException("directory " + dir + " belongs to uid " + owner + ", not to uid "
          + uid() + "; tmux refuses it (unsafe permissions). Remove it as its owner or root (rm -r "
          + dir + "), or set TMUX_TMPDIR to a directory of your own");
    }
    if (mode.contains(PosixFilePermission.OTHERS_READ)
        || mode.contains(PosixFilePermission.OTHERS_WRITE)
        || mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
      throw new IOException("directory " + dir + " has unsafe permissions ("
          + PosixFilePermissions.toString(mode) + "): tmux refuses it, for this agent and for"
          + " every other tmux session of yours. Fix it with: chmod 700 " + dir);
    }
  }

  /**
   * Escapes an argument for tmux's own command parser: tmux treats an argument that ends in {@code
   * ;} as a command separator (so a task ending in ";" would start a second tmux command); a
   * backslash before that final semicolon makes it literal, and tmux removes the backslash.
   */
  static String arg(String a) {
    return a.endsWith(";") ? a.substring(0, a.length() - 1) + "\\;" : a;
  }

  static List<String> tmux(String socket, String... args) {
    List<String> argv = new ArrayList<>(List.of("tmux", "-S", socket));
    argv.addAll(List.of(args));
    return argv;
  }

  @Override
  public Launched start(Launch launch) {
    String socket = socket();
    String session = sessionName(launch.teamId(), launch.agentId());
    String channel = "nemospawn-ready-" + launch.agentId();
    Path envFile = LaunchScript.envFileOf(launch.exitFile());
    try {
      LaunchScript.prepare(launch.logFile(), launch.exitFile());
      LaunchScript.writeEnvFile(envFile, launch.env());
    } catch (IOException e) {
      deleteQuietly(envFile);
      throw fail(launch, "cannot create " + launch.logFile().getParent() + ": " + e, e);
    } catch (IllegalArgumentException e) {
      deleteQuietly(envFile);
      throw fail(launch, Objects.toString(e.getMessage(), e.toString()), e);
    }
    try {
      prepareSocketDir(Path.of(socket));
    } catch (IOException e) {
      deleteQuietly(envFile);
      throw fail(launch, Objects.toString(e.getMessage(), e.toString()), e);
    }
    List<String> argv = tmux(
        socket,
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        "200",
        "-y",
        "50",
        "-c",
        launch.workDir().toString());
    argv.add("--");
    LaunchScript.wrap(
            launch.exitFile(), envFile, List.of("tmux", "-S", socket, channel), launch.command())
        .forEach(a -> argv.add(arg(a)));
    Exec.Result r = Exec.run(argv, null, Map.of(), TMUX_TIMEOUT);
    if (!r.ok()) {
      deleteQuietly(envFile);
      throw fail(launch, "tmux new-session failed: " + r.why(), null);
    }
    try {
      // pipe-pane runs its argument through sh: the log path is quoted.
      Exec.Result pipe = Exec.run(
          tmux(
              socket,
              "pipe-pane",
              "-o",
              "-t",
              session,
              "cat >> " + ShellQuote.quote(launch.logFile().toString())),
          null,
          Map.of(),
          TMUX_TIMEOUT);
      if (!pipe.ok()) {
        log.warn(
            "Agent {}: could not pipe its pane to {}: {}",
            launch.agentId(),
            launch.logFile(),
            pipe.why());
      }
      Exec.Result pid = Exec.run(
          tmux(socket, "display-message", "-p", "-t", session, "#{pane_pid}"),
          null,
          Map.of(),
          TMUX_TIMEOUT);
      if (!pid.ok()) {
        throw fail(launch, "cannot read the pane's pid: " + pid.why(), null);
      }
      long panePid = Long.parseLong(pid.out().strip());
      Instant started = ProcessHandle.of(panePid).map(ProcessTree::startOf).orElse(Instant.EPOCH);
      log.info(
          "Started agent {} ({}) in tmux session {} (pane pid {}, socket {})",
          launch.agentName(),
          launch.agentId(),
          session,
          panePid,
          socket);
      return new Launched(
          name(), panePid, started, session, socket, launch.logFile(), launch.exitFile());
    } finally {
      // Release the agent whatever happened; it runs or the session is killed below by callers.
      Exec.run(tmux(socket, "wait-for", "-S", channel), null, Map.of(), TMUX_TIMEOUT);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Cannot delete the environment file {}: {}", file, e.toString());
    }
  }

  private static AgentLaunchException fail(Launch launch, String why, @Nullable Throwable cause) {
    return new AgentLaunchException(
        launch.agentName(),
        launch.command(),
        -1,
        "Cannot spawn agent '" + launch.agentName() + "' with the tmux runtime: " + why,
        cause);
  }

  @Override
  public Liveness probe(Launched launched) {
    if (ProcessTree.find(launched.pid(), launched.startedAt()).isPresent()) {
      return Liveness.running();
    }
    return Liveness.exited(LaunchScript.readExit(launched.exitFile()));
  }

  @Override
  public void stop(Launched launched, Duration grace) {
    ProcessTree.find(launched.pid(), launched.startedAt())
        .ifPresent(p -> ProcessTree.terminate(p, grace));
    // The wrapper deletes its environment file once read; one that is left (the agent was killed
    // before it got there) goes with the agent.
    deleteQuietly(LaunchScript.envFileOf(launched.exitFile()));
    if (!launched.session().isEmpty()) {
      Exec.run(
          tmux(launched.socket(), "kill-session", "-t", "=" + launched.session()),
          null,
          Map.of(),
          TMUX_TIMEOUT);
    }
  }

  @Override
  public List<String> attachCommand(Launched launched) {
    return tmux(launched.socket(), "attach-session", "-t", "=" + launched.session());
  }

  @Override
  public boolean interactive() {
    return true;
  }

  @Override
  public boolean type(Launched launched, String text, Duration timeout)
      throws InterruptedException {
    return nudge(launched, text, timeout);
  }

  /** Returns whether the agent's session exists. */
  public static boolean hasSession(Launched launched) {
    return Exec.run(
            tmux(launched.socket(), "has-session", "-t", "=" + launched.session()),
            null,
            Map.of(),
            TMUX_TIMEOUT)
        .ok();
  }

  /**
   * Types {@code text} into the agent's pane literally ({@code send-keys -l}, nothing is
   * interpreted as a key name), presses Enter, and checks with {@code capture-pane} that the text
   * reached the pane.
   *
   * @return whether the text was seen in the pane within {@code timeout}
   */
  public static boolean nudge(Launched launched, String text, Duration timeout)
      throws InterruptedException {
    String target = "=" + launched.session() + ":";
    Exec.Result typed = Exec.run(
        tmux(launched.socket(), "send-keys", "-t", target, "-l", "--", arg(text)),
        null,
        Map.of(),
        TMUX_TIMEOUT);
    if (!typed.ok()) {
      log.warn("Cannot type into {}: {}", launched.session(), typed.why());
      return false;
    }
    Exec.run(
        tmux(launched.socket(), "send-keys", "-t", target, "Enter"), null, Map.of(), TMUX_TIMEOUT);
    String probe = text.lines().reduce((a, b) -> b).orElse(text).strip();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Exec.Result cap = Exec.run(
          tmux(launched.socket(), "capture-pane", "-p", "-J", "-S", "-200", "-t", target),
          null,
          Map.of(),
          TMUX_TIMEOUT);
      if (cap.ok() && cap.out().contains(probe)) {
        return true;
      }

      Thread.sleep(100);
    }
    return false;
  }
}
