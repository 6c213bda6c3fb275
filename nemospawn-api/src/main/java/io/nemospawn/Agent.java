package io.nemospawn;

import io.nemospawn.agent.AgentInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.apiguardian.api.API;

/**
 * A live handle on a spawned agent: its process, wherever it runs (tmux, a plain process, a
 * sandbox). The handle works from any process that opens the team, not only from the one that
 * spawned the agent: it finds the process by the pid and start time in the agent's record.
 *
 * <pre>{@code
 * Agent a = team.spawn(AgentSpec.builder("w1").command("python", "train.py").build());
 * if (!a.awaitExit(Duration.ofHours(1))) {
 *   a.stop(Duration.ofSeconds(10));   // TERM, 10 s grace, then KILL, descendants included
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Agent {
  /** Returns the agent's id, {@code <name>-<8 hex>}. */
  String id();

  /** Returns the agent's name. */
  String name();

  /** Reads the agent's record again. */
  AgentInfo info();

  /** Returns the runtime that runs it: {@code tmux}, {@code process} or {@code sandbox}. */
  String runtime();

  /** Returns whether its process runs. */
  boolean isAlive();

  /** Returns its exit code once it has exited and the code is known. */
  OptionalInt exitCode();

  /**
   * Waits until the agent's process exits.
   *
   * @return false when the timeout passed first
   */
  boolean awaitExit(Duration timeout) throws InterruptedException;

  /**
   * Stops the agent: asks its processes to terminate, waits up to {@code grace}, then kills what is
   * left, descendants included; records the exit and frees its GPUs. Idempotent.
   */
  void stop(Duration grace);

  /** Returns the file its output goes to. */
  Path logFile();

  /**
   * Types a short notice into the agent's terminal (tmux only): sent literally, then Enter, then
   * checked with a capture of the pane.
   *
   * @return whether the text was seen in the pane within {@code timeout}; false for agents
   *     without a terminal
   */
  boolean nudge(String text, Duration timeout) throws InterruptedException;

  /** Returns the command that attaches a terminal to it, or an empty list when none can. */
  List<String> attachCommand();

  /**
   * Returns why the agent's host cannot be reached now ({@code unreachable since T: why}) for an
   * agent on another host whose connection is down; empty when it is reachable or runs here. Such
   * an agent is still running, not dead.
   *
   * @since 0.4
   */
  default java.util.Optional<String> unreachable() {
    return java.util.Optional.empty();
  }
}
