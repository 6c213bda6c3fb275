package io.nemospawn.board.term;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Agent;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.spi.Environment;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Builds one tmux window with a tiled pane per agent of a team ({@code board attach}): the pane of
 * an agent that runs in tmux attaches a nested client to that agent's own session (so the tile
 * shows the agent's terminal, live, and keys typed there go to it), and the pane of any other agent
 * says why it has no terminal and follows its log. NemoSpawn 1.0 instead ran {@code switch-client}
 * in each pane, which moves the attached client away instead of tiling.
 *
 * <p>The window is the only window of the session {@code nemo-board-<team>} on the tmux server of
 * {@link Builder#socket} (default: {@code $NEMOSPAWN_TMUX_SOCKET}, else tmux's default server);
 * building it again replaces it. Every tmux call gets its arguments as a list (never a shell
 * string), so agent names, paths and reasons cannot act as commands.
 *
 * <pre>{@code
 * TmuxBoard.Window w = TmuxBoard.builder(team).build().open();
 * new ProcessBuilder(w.attachCommand()).inheritIO().start().waitFor();
 * }</pre>
 *
 * <p>Thread-safe.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public final class TmuxBoard {
  private final Team team;
  private final @Nullable String socket;
  private final int logLines;

  private TmuxBoard(Builder b) {
    this.team = b.team;
    this.socket = b.socket;
    this.logLines = b.logLines;
  }

  /** Returns a builder for the board window of {@code team}. */
  public static Builder builder(Team team) {
    return new Builder(requireNonNull(team, "team"));
  }

  /**
   * Returns the session name: {@code nemo-board-<team id>} with {@code .} and {@code :} (which
   * tmux forbids in names) replaced by {@code _}.
   */
  public String sessionName() {
    return "nemo-board-" + team.id().replace('.', '_').replace(':', '_');
  }

  /**
   * Builds (or rebuilds) the session with its one tiled window.
   *
   * @throws IllegalStateException when the team has no agent, or tmux fails, with tmux's message
   */
  public Window open() {
    List<AgentInfo> agents = team.agents().list().items();
    if (agents.isEmpty()) {
      throw new IllegalStateException(
          "Team " + team.id() + " has no agents, so there is nothing to tile; spawn agents first");
    }
    String session = sessionName();
    List<String> panes = new ArrayList<>();
    List<Pane> made = new ArrayList<>();
    // Replace an earlier board: its panes may show agents that are gone.
    tmuxQuiet("kill-session", "-t", "=" + session);
    for (int i = 0; i < agents.size(); i++) {
      AgentInfo a = agents.get(i);
      PaneCommand pc = paneCommand(a);
      List<String> args = new ArrayList<>();
      if (i == 0) {
        args.addAll(List.of(
            "new-session",
            "-d",
            "-P",
            "-F",
            "#{pane_id}",
            "-s",
            session,
            "-n",
            "agents",
            "-x",
            "200",
            "-y",
            "50"));
      } else {
        args.addAll(List.of("split-window", "-d", "-P", "-F", "#{pane_id}", "-t", panes.get(0)));
      }
      args.add("--");
      pc.argv().forEach(x -> args.add(tmuxArg(x)));
      String pane = tmux(args).strip();
      panes.add(pane);
      if (i == 0) {
        // A pane whose nested client ends (the agent's session closed) stays, showing so.
        tmux(List.of("set-option", "-w", "-t", pane, "remain-on-exit", "on"));
      }
      // Keep the tile count in a tiled layout as panes are added: a split of a small pane fails.
      tmux(List.of("select-layout", "-t", pane, "tiled"));
      tmux(List.of("select-pane", "-t", pane, "-T", tmuxArg(title(a, pc))));
      made.add(new Pane(pane, a.id(), a.name(), pc.tmux(), pc.reason()));
    }
    String first = panes.get(0);
    tmux(List.of("set-option", "-w", "-t", first, "pane-border-status", "top"));
    tmux(List.of("set-option", "-w", "-t", first, "pane-border-format", " #{pane_title} "));
    tmux(List.of("select-layout", "-t", first, "tiled"));
    return new Window(socketArgs(), session, made);
  }

  /** What a pane runs for one agent, and whether that is the agent's tmux session. */
  private record PaneCommand(List<String> argv, boolean tmux, String reason) {}

  private PaneCommand paneCommand(AgentInfo info) {
    Agent agent;
    List<String> attach = List.of();
    String runtime = "unknown";
    try {
      agent = team.agent(info.id());
      runtime = agent.runtime();
      attach = agent.attachCommand();
    } catch (RuntimeException e) {
      return message(info, "no runtime record (" + e.getMessage() + ")", null);
    }
    if (runtime.equals("tmux") && !attach.isEmpty() && !info.tmuxSession().isEmpty()) {
      if (!agent.isAlive()) {
        return message(info, "its tmux session has ended", agent.logFile());
      }
      // A nested client: TMUX must be unset or tmux refuses; ignore-size keeps this small client
      // from shrinking the agent's own window.
      List<String> argv = new ArrayList<>(List.of("env", "-u", "TMUX"));
      argv.addAll(attach);
      argv.addAll(List.of("-f", "ignore-size"));
      return new PaneCommand(argv, true, "");
    }
    return message(
        info,
        "runs with the " + runtime + " runtime, which has no terminal to show",
        runtime.equals("unknown") ? null : agent.logFile());
  }

  /**
   * A pane that prints why the agent has no terminal, then follows its log. The shell script is a
   * constant; the reason and the log path reach it as positional parameters, never as code.
   */
  private PaneCommand message(AgentInfo info, String reason, @Nullable Path log) {
    String text = StateFormat.displayable(info.name(), false) + ": " + reason;
    List<String> argv = new ArrayList<>(List.of(
        "sh",
        "-c",
        "printf '%s\\n' \"$1\"; if [ -n \"$2\" ]; then printf 'log: %s\\n' \"$2\";"
            + " exec tail -n \"$3\" -F -- \"$2\"; fi; exec sleep 2147483647",
        "nemospawn-board",
        text,
        log == null ? "" : log.toString(),
        Integer.toString(logLines)));
    return new PaneCommand(argv, false, reason);
  }

  private static String title(AgentInfo a, PaneCommand pc) {
    String name = StateFormat.displayable(a.name(), false);
    // '#' would start a tmux format or style in the border.
    return (pc.tmux() ? name : name + " (" + pc.reason() + ")").replace("#", "##");
  }

  /**
   * Escapes an argument for tmux's own parser, which treats a final {@code ;} as a command
   * separator even in argv: a backslash before it makes it literal (tmux removes the backslash).
   */
  static String tmuxArg(String a) {
    return a.endsWith(";") ? a.substring(0, a.length() - 1) + "\\;" : a;
  }

  private List<String> socketArgs() {
    String s = socket != null ? socket : Environment.get("NEMOSPAWN_TMUX_SOCKET");
    if (s == null || s.isEmpty()) {
      return List.of("tmux");
    }
    return List.of("tmux", "-S", s);
  }

  private String tmux(List<String> args) {
    List<String> argv = new ArrayList<>(socketArgs());
    argv.addAll(args);
    Result r = run(argv);
    if (r.code() != 0) {
      throw new IllegalStateException("tmux failed building the board of team " + team.id() + " ("
          + String.join(" ", args.subList(0, 1)) + "): " + r.out().strip());
    }
    return r.out();
  }

  private void tmuxQuiet(String... args) {
    List<String> argv = new ArrayList<>(socketArgs());
    argv.addAll(List.of(args));
    run(argv);
  }

  private record Result(int code, String out) {}

  private static Result run(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "tmux did not answer within 20 s");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(
          -1,
          "cannot run tmux (" + e.getMessage() + "); install it (apt-get" + " install -y tmux)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  @Override
  public String toString() {
    return "TmuxBoard[" + team.id() + " " + sessionName() + "]";
  }

  /**
   * One pane of the board.
   *
   * @param paneId tmux's pane id ({@code %3})
   * @param agentId the agent
   * @param agentName its name
   * @param attached whether the pane shows the agent's tmux session (else its reason and log)
   * @param reason why it shows no session, or an empty string
   * @since 0.3
   */
  @API(status = API.Status.EXPERIMENTAL, since = "0.3")
  public record Pane(
      String paneId, String agentId, String agentName, boolean attached, String reason) {}

  /**
   * The built board.
   *
   * @param tmux the tmux command with its socket option ({@code tmux -S <socket>})
   * @param session the session holding the window
   * @param panes one per agent, in the agents' order
   * @since 0.3
   */
  @API(status = API.Status.EXPERIMENTAL, since = "0.3")
  public record Window(List<String> tmux, String session, List<Pane> panes) {
    /** Copies. */
    public Window {
      tmux = List.copyOf(tmux);
      panes = List.copyOf(panes);
    }

    /** Returns the command that attaches a terminal to the board. */
    public List<String> attachCommand() {
      List<String> argv = new ArrayList<>(tmux);
      argv.addAll(List.of("attach-session", "-t", "=" + session));
      return argv;
    }

    /** Returns the command that switches the current tmux client to the board (inside tmux). */
    public List<String> switchCommand() {
      List<String> argv = new ArrayList<>(tmux);
      argv.addAll(List.of("switch-client", "-t", "=" + session));
      return argv;
    }
  }

  /**
   * Builds a {@link TmuxBoard}. Not thread-safe.
   *
   * @since 0.3
   */
  @API(status = API.Status.EXPERIMENTAL, since = "0.3")
  public static final class Builder {
    private final Team team;
    private @Nullable String socket;
    private int logLines = 40;

    private Builder(Team team) {
      this.team = team;
    }

    /** Sets the tmux server's socket path of the board (default: see {@link TmuxBoard}). */
    public Builder socket(Path socket) {
      this.socket = requireNonNull(socket, "socket").toString();
      return this;
    }

    /** Sets how many log lines a pane without a terminal shows at first; default 40. */
    public Builder logLines(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("logLines must be >= 0, got " + n);
      }
      this.logLines = n;
      return this;
    }

    /** Returns the board. */
    public TmuxBoard build() {
      return new TmuxBoard(this);
    }

    @Override
    public String toString() {
      return "TmuxBoard.Builder[" + team.id() + " socket=" + socket + "]";
    }
  }
}
