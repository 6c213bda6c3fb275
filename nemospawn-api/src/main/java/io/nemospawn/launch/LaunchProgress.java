package io.nemospawn.launch;

import java.time.Instant;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One progress event of a launch: a task changed state, or an agent reported to the leader.
 *
 * @param at when it was observed
 * @param source the agent it concerns
 * @param text what happened, one line
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record LaunchProgress(Instant at, String source, String text) {
  /** Validates. */
  public LaunchProgress {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(text, "text");
  }

  /** Returns the event as one line for a terminal: {@code [trainer-1] trial 3 pruned …}. */
  public String toText() {
    return "[" + source + "] " + text;
  }
}
