package io.nemospawn.plan;

import io.nemospawn.InvalidSettingException;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What a plan to submit says: who submits it, its title, description and steps. Immutable; the
 * {@code withX} methods return modified copies.
 *
 * <pre>{@code
 * team.plans().submit(PlanSpec.of("next sweep")
 *     .withAgent("trainer")
 *     .withDescription("widen lr")
 *     .withSteps(List.of("lr 1e-4..1e-2", "3 seeds")));
 * }</pre>
 *
 * @param agent the submitting agent, by id or name ({@code leader} by default)
 * @param title free text, verbatim; not blank
 * @param description free text, verbatim
 * @param steps the steps, verbatim
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record PlanSpec(String agent, String title, String description, List<String> steps) {
  /** Validates and copies. */
  public PlanSpec {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(title, "title");
    if (title.isBlank()) {
      throw new InvalidSettingException(
          List.of("title"),
          "A plan needs a title; '" + title + "' is blank, give a non-empty title");
    }
    description = description == null ? "" : description;
    steps = List.copyOf(steps);
  }

  /** Returns a plan with a title, submitted by the {@code leader}, with no steps. */
  public static PlanSpec of(String title) {
    return new PlanSpec("leader", title, "", List.of());
  }

  /** Returns a copy submitted by this agent (id or name). */
  public PlanSpec withAgent(String agent) {
    return new PlanSpec(agent, title, description, steps);
  }

  /** Returns a copy with this description. */
  public PlanSpec withDescription(String description) {
    return new PlanSpec(agent, title, description, steps);
  }

  /** Returns a copy with these steps. */
  public PlanSpec withSteps(List<String> steps) {
    return new PlanSpec(agent, title, description, steps);
  }
}
