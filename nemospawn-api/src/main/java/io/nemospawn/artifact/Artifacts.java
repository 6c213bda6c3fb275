package io.nemospawn.artifact;

import io.nemospawn.Listing;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A team's experiment artifacts. Promotion is atomic: at most one artifact per team and type is
 * promoted. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Artifacts {
  /** Registers an artifact. */
  Artifact register(ArtifactSpec spec);

  /**
   * Returns an artifact.
   *
   * @throws java.util.NoSuchElementException when there is no such artifact
   */
  Artifact get(String artifactId);

  /** Returns an artifact if it exists. */
  Optional<Artifact> find(String artifactId);

  /**
   * Crowns an artifact: it becomes the only promoted one of its type in the team.
   *
   * @return the promoted artifact
   */
  Artifact promote(String artifactId);

  /** Lists artifacts matching a query, sorted as it says. */
  Listing<Artifact> list(Query query);

  /** Returns the promoted artifact of a type, if any. */
  Optional<Artifact> promoted(ArtifactType type);

  /** Returns the artifact of a type with the lowest validation loss, if any has one. */
  Optional<Artifact> best(ArtifactType type);

  /** How to sort a listing. */
  enum Sort {
    /** Lowest validation loss first; artifacts without one last. */
    VAL_LOSS,
    /** Oldest first. */
    CREATED
  }

  /**
   * A filter and order for {@link #list}.
   *
   * @param type only this type, or null for all
   * @param agentId only this agent's, or an empty string for all
   * @param tag only with this tag, or an empty string for all
   * @param promotedOnly only promoted ones
   * @param sort the order
   * @param limit at most this many (0: no limit)
   */
  record Query(
      @Nullable ArtifactType type,
      String agentId,
      String tag,
      boolean promotedOnly,
      Sort sort,
      int limit) {
    /** Validates. */
    public Query {
      agentId = agentId == null ? "" : agentId;
      tag = tag == null ? "" : tag;
      sort = sort == null ? Sort.CREATED : sort;
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0, was " + limit);
      }
    }

    /** Returns the query for everything, oldest first. */
    public static Query all() {
      return new Query(null, "", "", false, Sort.CREATED, 0);
    }

    /** Returns a copy sorted by validation loss. */
    public Query byValLoss() {
      return new Query(type, agentId, tag, promotedOnly, Sort.VAL_LOSS, limit);
    }

    /** Returns a copy restricted to a type (null: every type). */
    public Query withType(@Nullable ArtifactType t) {
      return new Query(t, agentId, tag, promotedOnly, sort, limit);
    }

    /**
     * Returns a copy restricted to a type.
     *
     * @deprecated use {@link #withType(ArtifactType)}; copy methods are named {@code withX}
     */
    @Deprecated(since = "0.1")
    public Query ofType(ArtifactType t) {
      return withType(t);
    }
  }
}
