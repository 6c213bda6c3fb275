package io.nemospawn.core.ops;

import java.util.List;
import java.util.Map;

/**
 * What a restore did.
 *
 * @param snapshot the snapshot restored
 * @param stoppedAgents the agents stopped first (restore with force), by id
 * @param restored how many records each directory holds now ({@code agents}, {@code tasks} …)
 */
public record RestoreReport(
    SnapshotInfo snapshot, List<String> stoppedAgents, Map<String, Integer> restored) {
  /** Copies. */
  public RestoreReport {
    stoppedAgents = List.copyOf(stoppedAgents);
    restored = Map.copyOf(restored);
  }
}
