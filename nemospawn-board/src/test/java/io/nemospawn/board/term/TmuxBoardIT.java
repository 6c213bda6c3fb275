package io.nemospawn.board.term;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code board attach}'s window through a real tmux server on a socket of the test's own. */
class TmuxBoardIT {
  @TempDir
  Path dir;

  Path socket;
  NemoSpawn ns;
  Team team;

  @BeforeEach
  void open() throws Exception {
    Assumptions.assumeTrue(
        new ProcessBuilder("tmux", "-V").start().waitFor() == 0, "tmux is not installed");
    // A short socket path: a Unix socket path holds at most 107 bytes.
    socket = Files.createTempDirectory(Path.of("/tmp"), "nsb").resolve("s");
    System.setProperty("nemospawn.tmux.socket", socket.toString());
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("tiles").create();
  }

  @AfterEach
  void close() throws Exception {
    if (team != null) {
      team.close();
      ns.close();
    }
    if (socket != null) {
      new ProcessBuilder("tmux", "-S", socket.toString(), "kill-server").start().waitFor();
      Files.deleteIfExists(socket);
      Files.deleteIfExists(socket.getParent());
    }
    System.clearProperty("nemospawn.tmux.socket");
  }

  String tmux(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", argv, out).isZero();
    return out;
  }

  void spawn(String name, String runtime, String marker) {
    team.spawn(AgentSpec.builder(name)
        .runtime(runtime)
        .command("sh", "-c", "echo " + marker + "; exec sleep 600")
        .build());
  }

  @Test
  void oneTiledWindowWithAPaneShowingEachAgentsSession() throws Exception {
    spawn("alpha", "tmux", "MARK-alpha-ready");
    spawn("beta", "tmux", "MARK-beta-ready");
    spawn("gamma", "tmux", "MARK-gamma-ready");
    spawn("delta", "process", "MARK-delta-ready");

    TmuxBoard board = TmuxBoard.builder(team).socket(socket).build();
    TmuxBoard.Window w = board.open();

    assertThat(w.session()).isEqualTo("nemo-board-" + team.id());
    assertThat(w.panes())
        .extracting(TmuxBoard.Pane::agentName)
        .containsExactlyInAnyOrder("alpha", "beta", "gamma", "delta");
    String windows = tmux("list-windows", "-t", "=" + w.session(), "-F", "#{window_panes}");
    assertThat(windows.strip()).isEqualTo("4");
    // Tiled: four panes in a 2 x 2 grid.
    String geometry =
        tmux("list-panes", "-s", "-t", "=" + w.session(), "-F", "#{pane_left} #{pane_top}");
    Set<String> lefts = new HashSet<>();
    Set<String> tops = new HashSet<>();
    for (String l : geometry.strip().split("\n")) {
      lefts.add(l.split(" ")[0]);
      tops.add(l.split(" ")[1]);
    }
    assertThat(lefts).hasSize(2);
    assertThat(tops).hasSize(2);

    for (TmuxBoard.Pane p : w.panes()) {
      String marker = "MARK-" + p.agentName() + "-ready";
      await(p.agentName() + " in pane " + p.paneId())
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> assertThat(tmux("capture-pane", "-p", "-t", p.paneId())).contains(marker));
      if (p.agentName().equals("delta")) {
        assertThat(p.attached()).isFalse();
        assertThat(tmux("capture-pane", "-p", "-t", p.paneId()))
            .contains("delta: runs with the process runtime, which has no terminal to show");
      } else {
        assertThat(p.attached()).isTrue();
      }
    }
    // The agents' own sessions were embedded, not switched to or moved.
    assertThat(tmux("list-sessions", "-F", "#{session_name}"))
        .contains("nemo-" + team.id() + "-" + team.agents().get("alpha").id());

    // Built again, it replaces the first board instead of adding panes.
    TmuxBoard.Window again = board.open();
    assertThat(tmux("list-windows", "-t", "=" + again.session(), "-F", "#{window_panes}")
            .strip())
        .isEqualTo("4");
    assertThat(again.attachCommand())
        .containsExactly(
            "tmux", "-S", socket.toString(), "attach-session", "-t", "=" + again.session());
  }

  @Test
  void hostileTextReachesThePaneAsTextNotAsCommands() throws Exception {
    Path proof = dir.resolve("pwned");
    // The agent prints shell syntax (from argv, no shell); its pane shows it and runs nothing.
    String hostile = "MARK-w1 $(touch " + proof + ") `touch " + proof + "`; \u001b[31mred";
    team.spawn(AgentSpec.builder("w1")
        .runtime("process")
        .command("printf", "%s\\n", hostile)
        .build());
    TmuxBoard.Window w = TmuxBoard.builder(team).socket(socket).build().open();
    String pane = w.panes().get(0).paneId();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(tmux("capture-pane", "-p", "-t", pane))
            .contains("w1: runs with the process runtime")
            .contains("MARK-w1 $(touch " + proof + ") `touch " + proof + "`;"));
    assertThat(proof).doesNotExist();
  }

  @Test
  void aTeamWithoutAgentsIsRefusedWithAReason() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> TmuxBoard.builder(team).socket(socket).build().open())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Team " + team.id()
            + " has no agents, so there is nothing to tile; spawn agents first");
  }
}
