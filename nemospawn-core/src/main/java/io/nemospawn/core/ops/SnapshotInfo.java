package io.nemospawn.core.ops;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a snapshot holds, as {@code snapshot list} shows it.
 *
 * @param id {@code snap-<8 hex>}
 * @param teamId the team it was taken of
 * @param label the label given at save, verbatim (may be empty)
 * @param createdAt when it was saved
 * @param agents how many agent records it holds
 * @param tasks how many task records
 * @param plans how many plans
 * @param artifacts how many artifact records, or -1 for a snapshot without the artifacts index
 *     (one NemoSpawn 1.0 saved)
 * @param costFiles how many files of {@code costs/} it holds
 * @param studies the HPO studies its tasks link to
 * @param file where it is stored
 */
public record SnapshotInfo(
    String id,
    String teamId,
    String label,
    Instant createdAt,
    int agents,
    int tasks,
    int plans,
    int artifacts,
    int costFiles,
    List<String> studies,
    Path file) {
  /** Validates and copies. */
  public SnapshotInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(createdAt, "createdAt");
    studies = List.copyOf(studies);
    Objects.requireNonNull(file, "file");
  }
}
