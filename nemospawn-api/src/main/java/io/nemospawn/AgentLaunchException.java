package io.nemospawn;

import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Raised when an agent cannot be started or exits during its start.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class AgentLaunchException extends NemoSpawnException {
  private static final long serialVersionUID = 1L;
  private final String agent;
  private final List<String> command;
  private final int exitCode;

  /**
   * Creates the exception.
   *
   * @param exitCode the agent's exit code, or -1 when it did not exit
   */
  public AgentLaunchException(
      String agent, List<String> command, int exitCode, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.agent = Objects.requireNonNull(agent, "agent");
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
  }

  public String agent() {
    return agent;
  }

  public List<String> command() {
    return command;
  }

  /** Returns the exit code, or -1 when the agent did not exit. */
  public int exitCode() {
    return exitCode;
  }
}
