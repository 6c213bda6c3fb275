package io.nemospawn.plan;

import io.nemospawn.Listing;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * Plans submitted for review. Only a pending plan can be reviewed; a review is atomic, so two
 * reviewers never both succeed. Thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Plans {
  /**
   * Submits a plan; it starts {@code pending}.
   *
   * @throws java.util.NoSuchElementException when the submitting agent is not in the team
   * @since 0.1
   */
  Plan submit(PlanSpec plan);

  /**
   * Submits a plan; it starts {@code pending}.
   *
   * @deprecated use {@link #submit(PlanSpec)}: {@code submit(PlanSpec.of(title).withAgent(agent)
   *     .withDescription(description).withSteps(steps))}
   */
  @Deprecated(since = "0.1")
  default Plan submit(String agent, String title, String description, List<String> steps) {
    return submit(new PlanSpec(agent, title, description, steps));
  }

  /**
   * Returns a plan.
   *
   * @throws java.util.NoSuchElementException when there is no such plan
   */
  Plan get(String planId);

  /** Returns a plan if it exists. */
  Optional<Plan> find(String planId);

  /** Lists every plan by submission time. */
  Listing<Plan> list();

  /** Lists the plans with one status. */
  List<Plan> list(PlanStatus status);

  /**
   * Approves a pending plan.
   *
   * @throws IllegalStateException when the plan was reviewed already, naming the review
   */
  Plan approve(String planId, String reviewer, String comment);

  /**
   * Rejects a pending plan.
   *
   * @throws IllegalStateException when the plan was reviewed already, naming the review
   */
  Plan reject(String planId, String reviewer, String comment);

  /**
   * Waits until the plan has been reviewed.
   *
   * @return the reviewed plan; empty when the timeout passed first
   */
  Optional<Plan> awaitReview(String planId, Duration timeout) throws InterruptedException;
}
