package io.nemospawn.agent;

import java.util.Locale;
import org.apiguardian.api.API;

/**
 * The lifecycle protocol's state of an agent ({@code lifecycle.state} in the agent file).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum LifecycleState {
  /** Working. */
  RUNNING,
  /** Waiting for work. */
  IDLE,
  /** The agent asked to shut down. */
  SHUTDOWN_REQUESTED,
  /** The leader approved the shutdown; the runtime stops the agent. */
  SHUTDOWN_APPROVED,
  /** The agent's process has ended. */
  DEAD;

  /** Returns the name written in agent files: {@code shutdown_requested}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name. */
  public static LifecycleState parse(String text) {
    for (LifecycleState s : values()) {
      if (s.wireName().equalsIgnoreCase(text.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown lifecycle state '" + text
        + "'; use one of running, idle, shutdown_requested, shutdown_approved, dead");
  }
}
