package io.nemospawn.topology;

import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The GPUs chosen for one agent by {@link GpuTopology#place}, with what the choice costs.
 *
 * <p>Immutable and thread-safe.
 *
 * @param gpus the chosen GPU indices, ascending
 * @param sameIsland whether they all sit in one NVLink island (always true for one GPU)
 * @param fullyConnected whether every pair of them is joined directly by NVLink
 * @param shared the chosen GPUs that were already held and are now shared (only with sharing)
 * @param warnings why the choice is worse than asked for (spread across islands, no NVLink,
 *     sharing); empty when it is not
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Placement(
    List<Integer> gpus,
    boolean sameIsland,
    boolean fullyConnected,
    List<Integer> shared,
    List<String> warnings) {

  /** Validates and copies the parts. */
  public Placement {
    gpus = List.copyOf(Objects.requireNonNull(gpus, "gpus"));
    shared = List.copyOf(Objects.requireNonNull(shared, "shared"));
    warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings"));
    if (gpus.isEmpty()) {
      throw new IllegalArgumentException("A placement needs at least one GPU");
    }
  }

  /** Returns whether the placement came with warnings. */
  public boolean hasWarnings() {
    return !warnings.isEmpty();
  }

  /** Returns the GPUs as {@code CUDA_VISIBLE_DEVICES} wants them: {@code 0,1,2,3}. */
  public String cudaVisibleDevices() {
    StringBuilder b = new StringBuilder();
    for (int g : gpus) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(g);
    }
    return b.toString();
  }
}
