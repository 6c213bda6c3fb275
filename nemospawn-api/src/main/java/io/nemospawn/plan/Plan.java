package io.nemospawn.plan;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A plan an agent submits for review before acting ({@code plans/<plan_id>.json}).
 *
 * @param id {@code plan-<8 hex>}
 * @param teamId the team
 * @param agentId the submitting agent
 * @param title free text, verbatim
 * @param description free text, verbatim
 * @param steps the steps, verbatim
 * @param status the review status
 * @param reviewer who reviewed it, or an empty string
 * @param reviewComment the reviewer's comment, or an empty string
 * @param createdAt submission time
 * @param reviewedAt review time, or null while pending
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Plan(
    String id,
    String teamId,
    String agentId,
    String title,
    String description,
    List<String> steps,
    PlanStatus status,
    String reviewer,
    String reviewComment,
    Instant createdAt,
    @Nullable Instant reviewedAt) {
  /** Validates and copies. */
  public Plan {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(agentId, "agentId");
    Objects.requireNonNull(title, "title");
    description = description == null ? "" : description;
    steps = List.copyOf(steps);
    Objects.requireNonNull(status, "status");
    reviewer = reviewer == null ? "" : reviewer;
    reviewComment = reviewComment == null ? "" : reviewComment;
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** Returns the review time, if reviewed. */
  public Optional<Instant> findReviewedAt() {
    return Optional.ofNullable(reviewedAt);
  }
}
