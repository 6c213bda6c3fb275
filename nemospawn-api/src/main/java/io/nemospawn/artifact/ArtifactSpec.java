package io.nemospawn.artifact;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What to register as an artifact. Immutable; {@code withX} returns copies.
 *
 * @param type the kind
 * @param path where it is; stored as an absolute path
 * @param agentId the producing agent, or an empty string
 * @param valLoss its validation loss, or NaN for none; never infinite
 * @param metrics other metrics
 * @param nemoConfigHash config hash, or an empty string
 * @param tags tags
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record ArtifactSpec(
    ArtifactType type,
    Path path,
    String agentId,
    double valLoss,
    Map<String, Object> metrics,
    String nemoConfigHash,
    List<String> tags) {
  /**
   * Validates and copies.
   *
   * @throws IllegalArgumentException if the path is empty or the validation loss infinite
   */
  public ArtifactSpec {
    Objects.requireNonNull(type, "type");
    if (Objects.requireNonNull(path, "path").toString().isEmpty()) {
      throw new IllegalArgumentException(
          "Invalid artifact path '': it is empty; give the file or directory the artifact is in");
    }
    if (Double.isInfinite(valLoss)) {
      throw new IllegalArgumentException(
          "Invalid val_loss " + valLoss + "; use a finite number or leave it unset");
    }
    path = path.toAbsolutePath().normalize();
    agentId = agentId == null ? "" : agentId;
    metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    nemoConfigHash = nemoConfigHash == null ? "" : nemoConfigHash;
    tags = List.copyOf(tags);
  }

  /** Returns a spec with a type and a path. */
  public static ArtifactSpec of(ArtifactType type, Path path) {
    return new ArtifactSpec(type, path, "", Double.NaN, Map.of(), "", List.of());
  }

  /**
   * Returns a copy with a validation loss; NaN means none.
   *
   * @throws IllegalArgumentException if it is infinite
   */
  public ArtifactSpec withValLoss(double v) {
    return new ArtifactSpec(type, path, agentId, v, metrics, nemoConfigHash, tags);
  }

  /** Returns a copy with the producing agent. */
  public ArtifactSpec withAgent(String agent) {
    return new ArtifactSpec(type, path, agent, valLoss, metrics, nemoConfigHash, tags);
  }

  /** Returns a copy with metrics. */
  public ArtifactSpec withMetrics(Map<String, Object> m) {
    return new ArtifactSpec(type, path, agentId, valLoss, m, nemoConfigHash, tags);
  }

  /** Returns a copy with tags. */
  public ArtifactSpec withTags(List<String> t) {
    return new ArtifactSpec(type, path, agentId, valLoss, metrics, nemoConfigHash, t);
  }

  /** Returns a copy with a config hash. */
  public ArtifactSpec withNemoConfigHash(String h) {
    return new ArtifactSpec(type, path, agentId, valLoss, metrics, h, tags);
  }
}
