package io.nemospawn;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The team record ({@code team.json}).
 *
 * @param id {@code team_id}
 * @param name the name it was created with
 * @param description free text, verbatim
 * @param gpuIds the GPU indices the team may use
 * @param status {@code active}
 * @param createdAt creation time
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record TeamInfo(
    String id,
    String name,
    String description,
    List<Integer> gpuIds,
    String status,
    Instant createdAt) {
  /** Validates and copies. */
  public TeamInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    description = description == null ? "" : description;
    gpuIds = List.copyOf(gpuIds);
    status = status == null ? "active" : status;
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
