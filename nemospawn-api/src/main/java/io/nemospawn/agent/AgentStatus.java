package io.nemospawn.agent;

import java.util.Locale;
import org.apiguardian.api.API;

/**
 * The process status of an agent record ({@code status} in the agent file).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum AgentStatus {
  /** Being started. */
  SPAWNING,
  /** Its process runs. */
  RUNNING,
  /** Its process has ended. */
  STOPPED;

  /** Returns the name written in agent files. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name. */
  public static AgentStatus parse(String text) {
    for (AgentStatus s : values()) {
      if (s.wireName().equalsIgnoreCase(text.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "Unknown agent status '" + text + "'; use one of spawning, running, stopped");
  }
}
