package io.nemospawn.task;

import java.util.List;
import org.apiguardian.api.API;

/**
 * What {@link Tasks#repair()} changed, and what it could not fix.
 *
 * @param changes one line per change made (a journal entry rolled forward, a task unblocked, the
 *     index rebuilt), in order
 * @param remaining the problems a check still finds afterwards (such as a corrupt record, which
 *     only a person can restore)
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record GraphRepair(List<String> changes, GraphCheck remaining) {
  /** Copies. */
  public GraphRepair {
    changes = List.copyOf(changes);
    java.util.Objects.requireNonNull(remaining, "remaining");
  }
}
