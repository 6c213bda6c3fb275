package io.nemospawn.artifact;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import org.apiguardian.api.API;

/**
 * An experiment artifact ({@code artifacts/<artifact_id>.json}).
 *
 * @param id {@code art-<8 hex>}
 * @param teamId the team
 * @param type the kind
 * @param path absolute path of the artifact
 * @param agentId the agent that produced it, or an empty string
 * @param valLoss its validation loss, or NaN when unknown
 * @param metrics other metrics
 * @param nemoConfigHash hash of the NeMo config that produced it, or an empty string
 * @param promoted whether it is the crowned artifact of its type in the team
 * @param tags free tags
 * @param createdAt registration time
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Artifact(
    String id,
    String teamId,
    ArtifactType type,
    String path,
    String agentId,
    double valLoss,
    Map<String, Object> metrics,
    String nemoConfigHash,
    boolean promoted,
    List<String> tags,
    Instant createdAt) {
  /** Validates and copies. */
  public Artifact {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(path, "path");
    agentId = agentId == null ? "" : agentId;
    metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    nemoConfigHash = nemoConfigHash == null ? "" : nemoConfigHash;
    tags = List.copyOf(tags);
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** Returns the validation loss if known. */
  public OptionalDouble findValLoss() {
    return Double.isNaN(valLoss) ? OptionalDouble.empty() : OptionalDouble.of(valLoss);
  }
}
