package io.nemospawn;

import java.util.List;
import org.apiguardian.api.API;

/**
 * Configures a new team; {@link #create()} writes it. Obtained from {@link NemoSpawn#newTeam}.
 * Not thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface TeamBuilder {
  /** Sets the free-text description, stored verbatim. */
  TeamBuilder description(String description);

  /** Sets the GPU indices the team may use. */
  TeamBuilder gpus(List<Integer> gpuIds);

  /** Sets the GPU indices the team may use. */
  default TeamBuilder gpus(int... gpuIds) {
    return gpus(java.util.Arrays.stream(gpuIds).boxed().toList());
  }

  /**
   * Sets the machine's GPU topology, recorded in team.json ({@code gpus}, {@code topology}, {@code
   * nvlink_islands}) for the team's GPUs; default {@link
   * io.nemospawn.topology.GpuTopology#detect()} when the team has GPUs.
   */
  TeamBuilder topology(io.nemospawn.topology.GpuTopology topology);

  /**
   * Creates the team: a fresh id {@code <name>-<8 hex>}, its directory and {@code team.json}.
   *
   * @throws IllegalArgumentException when the name is not a valid name
   * @throws StateException when the team cannot be written
   */
  Team create();
}
