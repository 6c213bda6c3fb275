package io.nemospawn.core.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.spi.AgentRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default tmux server's directory {@code $TMUX_TMPDIR/tmux-<uid>}, checked with the real tmux:
 * {@code TMUX_TMPDIR} points at a temporary directory so the user's own sockets are untouched.
 */
class TmuxSocketDirIT {
  @TempDir
  Path tmp;

  TmuxRuntime runtime;
  Path socketDir;

  @BeforeEach
  void setUp() {
    // Other tests point the runtime at their own socket; this one needs the default server.
    System.clearProperty("nemospawn.tmux.socket");
    runtime = new TmuxRuntime(Map.of("TMUX_TMPDIR", tmp.toString())::get);
    socketDir = TmuxRuntime.defaultSocketDir(tmp.toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    tmux("kill-server");
  }

  /** Runs the user's plain tmux (no -S) against the temporary TMUX_TMPDIR. */
  private Ran tmux(String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("tmux"));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("TMUX_TMPDIR", tmp.toString());
    pb.environment().remove("TMUX");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return new Ran(p.exitValue(), out);
  }

  record Ran(int code, String out) {}

  private AgentRuntime.Launch launch(String agent) {
    Path logs = tmp.resolve("team").resolve("logs");
    return new AgentRuntime.Launch(
        "t-1",
        agent,
        agent,
        List.of("sleep", "30"),
        Map.of(),
        tmp,
        logs.resolve(agent + ".log"),
        logs.resolve(agent + ".exit"),
        List.of(),
        true);
  }

  @Test
  void spawnCreatesTheDefaultSocketDirectoryPrivateSoTheUsersTmuxKeepsWorking() throws Exception {
    assertThat(socketDir).doesNotExist();

    AgentRuntime.Launched l = runtime.start(launch("a1"));

    assertThat(l.socket()).isEqualTo(socketDir.resolve("default").toString());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir)))
        .isEqualTo("rwx------");
    Ran ls = tmux("ls");
    assertThat(ls.code()).as(ls.out()).isZero();
    assertThat(ls.out()).contains(TmuxRuntime.sessionName("t-1", "a1") + ":");
    runtime.stop(l, Duration.ofSeconds(2));
  }

  @Test
  void anExistingDirectoryOthersCanEnterIsRefusedWithTheFixAndLeftAsItIs() throws Exception {
    Files.createDirectory(socketDir);
    Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-xr-x"));

    assertThatThrownBy(() -> runtime.start(launch("a2")))
        .isInstanceOf(AgentLaunchException.class)
        .hasMessage("Cannot spawn agent 'a2' with the tmux runtime: directory " + socketDir
            + " has unsafe permissions (rwxr-xr-x): tmux refuses it, for this agent and for every"
            + " other tmux session of yours. Fix it with: chmod 700 " + socketDir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir)))
        .isEqualTo("rwxr-xr-x");
    assertThat(socketDir.resolve("default")).doesNotExist();
  }

  @Test
  void anExistingPrivateDirectoryIsUsedAsItIs() throws Exception {
    Files.createDirectory(socketDir);
    Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-x---"));

    AgentRuntime.Launched l = runtime.start(launch("a3"));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir)))
        .isEqualTo("rwxr-x---");
    assertThat(tmux("has-session", "-t", "=" + l.session()).code()).isZero();
    runtime.stop(l, Duration.ofSeconds(2));
  }
}
