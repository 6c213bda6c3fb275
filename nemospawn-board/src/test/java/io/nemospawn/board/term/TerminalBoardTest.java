package io.nemospawn.board.term;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TerminalBoardTest {
  /** Titles and bodies that try to act on a terminal or fake lines. */
  static final List<String> HOSTILE = List.of(
      "\u001b[2J\u001b[31mCLEARED",
      "line1\nline2 fake task",
      "carriage\rreturn",
      "bidi \u202eevil\u202c",
      "zero\u200bwidth",
      "bell\u0007",
      "osc \u001b]0;title\u0007",
      "$(id) `id` ; rm -rf /",
      "'quotes\" and \\backslash");

  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("live").gpus(0).create();
  }

  @AfterEach
  void close() {
    team.close();
    ns.close();
  }

  TerminalBoard board() {
    return TerminalBoard.builder(team)
        .clock(InstantSource.fixed(Instant.parse("2026-12-03T16:00:00Z")))
        .gpus(ids -> new GpuSnapshot(
            Instant.EPOCH,
            "nvidia-smi",
            List.of(GpuMetrics.unknown(0)
                .withUtilisation(87, 34)
                .withTemperature(61)
                .withPower(250, 400)),
            List.of()))
        .build();
  }

  @Test
  void aFrameShowsTasksAgentsMessagesAndGpus() {
    Task a = team.tasks().create("train the model");
    team.tasks().create("evaluate");
    team.tasks().complete(a.id());
    team.agents().register("trainer", "worker", List.of(0), "train");
    team.inbox().send("leader", "trainer", "start with lr=3e-4");

    String frame = board().render(100);
    assertThat(frame)
        .startsWith("NemoSpawn board: " + team.id() + "  16:00:00 UTC\n")
        .contains("TASKS (2)  pending 1  blocked 0  running 0  done 1  failed 0  cancelled 0")
        .contains("evaluate")
        .contains("AGENTS (1)")
        .contains("trainer")
        .contains("GPU [0]")
        .contains("MESSAGES (latest 5)")
        .contains("leader -> trainer: start with lr=3e-4")
        .contains("GPUS (nvidia-smi)")
        .contains(" 87%")
        .contains("61 C")
        .contains("250/400 W");
    // Pending work is listed before finished work.
    assertThat(frame.indexOf("evaluate")).isLessThan(frame.indexOf("train the model"));
  }

  @Test
  void hostileTitlesAndBodiesAreInertAndStayOnTheirLine() {
    for (String h : HOSTILE) {
      team.tasks().create(h);
    }
    team.agents().register("w1", "worker", List.of(), "");
    for (String h : HOSTILE.subList(0, 5)) {
      team.inbox().send("leader", "w1", h);
    }
    String frame = board().render(200);
    assertThat(frame.chars().filter(c -> c < 0x20 && c != '\n')).isEmpty();
    assertThat(frame).doesNotContain("\u202e").doesNotContain("\u200b").doesNotContain("\u007f");
    assertThat(frame).contains("CLEARED").contains("fake task");
    // "fake task" stays on the line of its task: no line starts with it.
    assertThat(frame.lines()).noneMatch(l -> l.startsWith("line2"));
  }

  @Test
  void everyLineFitsANarrowTerminal() {
    team.tasks().create("a very long task title that would wrap on a narrow terminal ".repeat(3));
    team.agents().register("a-very-long-agent-name-indeed", "worker", List.of(0), "");
    for (int width : List.of(20, 40, 57)) {
      String frame = board().render(width);
      assertThat(frame.lines())
          .allSatisfy(l -> assertThat(l.codePointCount(0, l.length())).isLessThanOrEqualTo(width));
      assertThat(frame).contains("…");
    }
    // Narrower than the minimum: cut at the minimum.
    assertThat(board().render(5).lines())
        .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(TerminalBoard.MIN_WIDTH));
  }

  @Test
  void liveRedrawsOnEventsWithoutControlSequencesWhenNotATerminal() {
    StringWriter sink = new StringWriter();
    PrintWriter out = new PrintWriter(sink, true);
    Task t = team.tasks().create("watch me");
    try (Subscription live = board().live(out, Duration.ofHours(1), false, () -> 80)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(sink.toString()).contains("pending 1"));
      team.tasks().complete(t.id());
      // Redrawn on the event, long before the one-hour interval.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(sink.toString()).contains("done 1"));
    }
    assertThat(sink.toString()).doesNotContain("\u001b");
  }

  @Test
  void liveOnATerminalClearsTheScreenBeforeEachFrame() {
    StringWriter sink = new StringWriter();
    try (Subscription live =
        board().live(new PrintWriter(sink, true), Duration.ofMillis(200), true, () -> 80)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(sink.toString().split("\u001b\\[H\u001b\\[2J", -1))
              .hasSizeGreaterThanOrEqualTo(3));
    }
  }
}
