package io.nemospawn.cli;

import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.board.term.TerminalBoard;
import io.nemospawn.spi.Environment;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code board live TEAM_ID [--interval N] [--once] [--width W]}: the terminal board. On a
 * terminal each frame replaces the last; on a pipe or file frames follow each other without any
 * control sequence; {@code --once} prints one frame and exits.
 */
@Command(
    name = "live",
    mixinStandardHelpOptions = true,
    description = {
      "Live terminal kanban board for team tasks and agents: tasks by status, agents, the latest"
          + " messages and the GPUs, redrawn on every change and every --interval seconds.",
      "--once prints one frame and exits (for scripts and agents). Without a terminal, frames"
          + " are printed one after another with no control sequences. Ctrl-C stops it."
    })
final class BoardLiveCommand extends TeamArgSubcommand {
  @Option(
      names = "--interval",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "Refresh interval in seconds [default: ${DEFAULT-VALUE}].")
  int interval;

  @Option(names = "--once", description = "Print one frame and exit.")
  boolean once;

  @Option(
      names = "--width",
      paramLabel = "COLUMNS",
      description = "Width of the frame (default: the terminal's, else $COLUMNS, else 80).")
  Integer width;

  @Override
  void parse() {
    super.parse();
    if (interval < 1) {
      throw new ParameterException(
          spec.commandLine(), "--interval must be at least 1 second, got " + interval);
    }
    if (width != null && width < 1) {
      throw new ParameterException(spec.commandLine(), "--width must be positive, got " + width);
    }
    if (out.json()) {
      throw new ParameterException(
          spec.commandLine(),
          "board live draws a terminal view and has no --json; use `team status --json`");
    }
  }

  @Override
  int run(Team t) throws Exception {
    TerminalBoard board = TerminalBoard.builder(t).build();
    if (once) {
      out.text(board.render(width()).stripTrailing());
      return 0;
    }
    // The frame is already inert (every user text escaped); the raw writer lets the clear-screen
    // sequence through on a terminal.
    PrintWriter raw = spec.commandLine().getOut();
    boolean terminal = System.console() != null && !Environment.isScoped();
    try (Subscription live = board.live(raw, Duration.ofSeconds(interval), terminal, this::width)) {
      new CountDownLatch(1).await();
    }
    return 0;
  }

  /** --width, else the terminal's width now (it may have been resized), else $COLUMNS, else 80. */
  private int width() {
    if (width != null) {
      return width;
    }
    if (System.console() != null && !Environment.isScoped()) {
      int cols = sttyColumns();
      if (cols > 0) {
        return cols;
      }
    }
    String columns = Environment.get("COLUMNS");
    if (columns != null) {
      try {
        int c = Integer.parseInt(columns.strip());
        if (c > 0) {
          return c;
        }
      } catch (NumberFormatException e) {
        // Not a number: fall back to 80.
      }
    }
    return 80;
  }

  /** Asks the terminal for its size ({@code stty size} reads /dev/tty); 0 when it cannot tell. */
  private static int sttyColumns() {
    try {
      Process p = new ProcessBuilder(List.of("stty", "size"))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
      if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return 0;
      }
      String[] parts = s.split(" ");
      return parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
    } catch (java.io.IOException | NumberFormatException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
