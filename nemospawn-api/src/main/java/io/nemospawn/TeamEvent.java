package io.nemospawn;

import io.nemospawn.agent.LifecycleState;
import io.nemospawn.inbox.Message;
import io.nemospawn.plan.Plan;
import io.nemospawn.task.Task;
import java.time.Instant;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A change to a team, made by this process or another one. A closed set of records.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public sealed interface TeamEvent
    permits TeamEvent.TaskChanged,
        TeamEvent.MessageReceived,
        TeamEvent.PlanReviewed,
        TeamEvent.PlanSubmitted,
        TeamEvent.AgentLifecycleChanged {

  /** Returns the team's id. */
  String teamId();

  /** Returns when the change was observed. */
  Instant at();

  /**
   * A task was created or changed; {@code task} is its state after the change.
   *
   * @param teamId the team
   * @param task the task as it is now
   * @param at when the change was observed
   */
  record TaskChanged(String teamId, Task task, Instant at) implements TeamEvent {
    /** Validates. */
    public TaskChanged {
      Objects.requireNonNull(teamId, "teamId");
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * A message arrived in an agent's inbox (it may still be unread).
   *
   * @param teamId the team
   * @param message the message
   * @param at when it was observed
   */
  record MessageReceived(String teamId, Message message, Instant at) implements TeamEvent {
    /** Validates. */
    public MessageReceived {
      Objects.requireNonNull(teamId, "teamId");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * A plan was submitted for review.
   *
   * @param teamId the team
   * @param plan the plan
   * @param at when it was observed
   */
  record PlanSubmitted(String teamId, Plan plan, Instant at) implements TeamEvent {
    /** Validates. */
    public PlanSubmitted {
      Objects.requireNonNull(teamId, "teamId");
      Objects.requireNonNull(plan, "plan");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * A plan was approved or rejected.
   *
   * @param teamId the team
   * @param plan the plan after review
   * @param at when it was observed
   */
  record PlanReviewed(String teamId, Plan plan, Instant at) implements TeamEvent {
    /** Validates. */
    public PlanReviewed {
      Objects.requireNonNull(teamId, "teamId");
      Objects.requireNonNull(plan, "plan");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * An agent's lifecycle state changed (idle, shutdown requested, approved, dead …).
   *
   * @param teamId the team
   * @param agentId the agent
   * @param state the new state
   * @param reason the reason given, or an empty string
   * @param at when it was observed
   */
  record AgentLifecycleChanged(
      String teamId, String agentId, LifecycleState state, String reason, Instant at)
      implements TeamEvent {
    /** Validates. */
    public AgentLifecycleChanged {
      Objects.requireNonNull(teamId, "teamId");
      Objects.requireNonNull(agentId, "agentId");
      Objects.requireNonNull(state, "state");
      reason = reason == null ? "" : reason;
      Objects.requireNonNull(at, "at");
    }
  }
}
