package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/nemospawn board live} and {@code board attach} as a user runs them: in a real tmux
 * pane of 50 columns (a terminal), and with standard output on a pipe.
 */
class BoardTerminalIT {
  @TempDir
  Path data;

  Path socket;
  String team;

  @BeforeEach
  void setUp() throws Exception {
    Assumptions.assumeTrue(
        new ProcessBuilder("tmux", "-V").start().waitFor() == 0, "tmux is not installed");
    socket = Files.createTempDirectory(Path.of("/tmp"), "nsl").resolve("s");
    team =
        CliRun.run(data, "team", "create", "t", "--json").json().get("team_id").asString();
    CliRun.run(
        data,
        "task",
        "create",
        team,
        "--title",
        "\u001b[31mred\u001b[0m and a long title" + " that cannot fit in fifty columns at all");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (socket != null) {
      new ProcessBuilder("tmux", "-S", socket.toString(), "kill-server").start().waitFor();
      Files.deleteIfExists(socket);
      Files.deleteIfExists(socket.getParent());
    }
  }

  String tmux(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void liveOnceInANarrowTmuxPaneDrawsOneFittingFrameAndExits() throws Exception {
    Path done = data.resolve("exit-code");
    tmux(
        "new-session",
        "-d",
        "-s",
        "live",
        "-x",
        "50",
        "-y",
        "40",
        "--",
        "sh",
        "-c",
        "\"$1\" board live \"$2\" --once --data-dir \"$3\"; echo $? > \"$4\"; sleep 600",
        "sh",
        CliProcesses.LAUNCHER.toString(),
        team,
        data.toString(),
        done.toString());
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> Files.exists(done) && !Files.readString(done).isBlank());
    assertThat(Files.readString(done).strip()).isEqualTo("0");
    // the shell writes the exit code without going through tmux, which may not have drawn all the
    // frame's output from the pty yet: read the pane again until it has
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(() -> {
          String screen = tmux("capture-pane", "-p", "-t", "live");
          assertThat(screen)
              .contains("NemoSpawn board: " + team)
              .contains("TASKS (1)")
              .contains("\\u001b[31mred");
          // Every line fits the pane: nothing wrapped onto a line of its own.
          assertThat(screen.lines())
              .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(50));
          assertThat(screen.lines()).noneMatch(l -> l.startsWith("fifty columns"));
        });
  }

  @Test
  void liveOnAPipePrintsFramesWithoutControlSequences() throws Exception {
    Process p = new ProcessBuilder(
            CliProcesses.LAUNCHER.toString(),
            "board",
            "live",
            team,
            "--interval",
            "1",
            "--data-dir",
            data.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      byte[] buf = new byte[65536];
      StringBuilder seen = new StringBuilder();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      // Two frames: the first, and the one the interval draws.
      while (seen.toString().split("NemoSpawn board: ", -1).length < 3
          && System.nanoTime() < deadline) {
        int n = p.getInputStream().read(buf);
        if (n < 0) {
          break;
        }
        seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
      assertThat(seen.toString().split("NemoSpawn board: ", -1)).hasSizeGreaterThanOrEqualTo(3);
      assertThat(seen.toString()).doesNotContain("\u001b");
      assertThat(p.isAlive()).isTrue();
    } finally {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void attachWithoutATerminalBuildsTheWindowAndSaysHowToAttach() throws Exception {
    CliRun.run(data, "agent", "register", "w1", "-t", team);
    CliProcesses.Result r = CliProcesses.run(
        Map.of("NEMOSPAWN_TMUX_SOCKET", socket.toString()),
        "board",
        "attach",
        team,
        "--data-dir",
        data.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    String session = "nemo-board-" + team;
    assertThat(r.out())
        .contains("tmux session " + session + ", 1 panes (0 agent sessions)")
        .contains("Attach with: tmux -S " + socket + " attach-session -t =" + session);
    assertThat(tmux("list-panes", "-s", "-t", "=" + session, "-F", "#{pane_id}").lines())
        .hasSize(1);
  }
}
