package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.board.term.TmuxBoard;
import io.nemospawn.spi.Environment;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/**
 * {@code board attach TEAM_ID}: one tmux window with a tiled pane per agent, each showing that
 * agent's own tmux session (agents without a terminal: why, and their log). Attaches (or switches,
 * inside tmux) when run on a terminal; otherwise builds the window and prints how to attach.
 */
@Command(
    name = "attach",
    mixinStandardHelpOptions = true,
    description = {
      "Attach to a tiled tmux view of all team agents: one window, one pane per agent showing the"
          + " agent's own tmux session (other agents: why they have no terminal, and their log).",
      "The window is the session nemo-board-<team> on the agents' tmux server"
          + " ($NEMOSPAWN_TMUX_SOCKET, else the default); running it again rebuilds it. Without a"
          + " terminal it builds the window and prints the command that attaches to it."
    })
final class BoardAttachCommand extends TeamArgSubcommand {
  @Override
  void parse() {
    super.parse();
    if (out.json()) {
      throw new ParameterException(spec.commandLine(), "board attach opens tmux and has no --json");
    }
  }

  @Override
  int run(Team t) throws Exception {
    TmuxBoard.Window w = TmuxBoard.builder(t).build().open();
    long attached = w.panes().stream().filter(TmuxBoard.Pane::attached).count();
    out.println("Board of team " + t.id() + ": tmux session " + w.session() + ", "
        + w.panes().size() + " panes (" + attached + " agent sessions)");
    for (TmuxBoard.Pane p : w.panes()) {
      if (!p.attached()) {
        out.println("  " + p.agentName() + ": " + p.reason());
      }
    }
    boolean terminal = System.console() != null && !Environment.isScoped();
    if (!terminal) {
      out.println("Attach with: " + String.join(" ", w.attachCommand()));
      return 0;
    }
    List<String> argv = Environment.get("TMUX") != null ? w.switchCommand() : w.attachCommand();
    Process p = new ProcessBuilder(argv).inheritIO().start();
    return p.waitFor();
  }
}
