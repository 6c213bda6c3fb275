package io.nemospawn.agent;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An agent record ({@code agents/<agent_id>.json}).
 *
 * @param id {@code <name>-<8 hex>}
 * @param teamId the team
 * @param name the name, unique in the team
 * @param role {@code worker}, {@code leader}, …
 * @param gpuIds the GPUs it holds
 * @param tmuxSession its tmux session, or an empty string
 * @param worktreePath its git worktree, or an empty string
 * @param task the task text it was given, verbatim
 * @param pid its process id, or 0
 * @param status process status
 * @param lifecycle lifecycle protocol state
 * @param lifecycleReason the reason given with the last lifecycle change
 * @param createdAt creation time
 * @param updatedAt last change
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record AgentInfo(
    String id,
    String teamId,
    String name,
    String role,
    List<Integer> gpuIds,
    String tmuxSession,
    String worktreePath,
    String task,
    long pid,
    AgentStatus status,
    LifecycleState lifecycle,
    String lifecycleReason,
    Instant createdAt,
    Instant updatedAt) {
  /** Validates and copies. */
  public AgentInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(name, "name");
    role = role == null ? Role.WORKER.name() : role;
    gpuIds = List.copyOf(gpuIds);
    tmuxSession = tmuxSession == null ? "" : tmuxSession;
    worktreePath = worktreePath == null ? "" : worktreePath;
    task = task == null ? "" : task;
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(lifecycle, "lifecycle");
    lifecycleReason = lifecycleReason == null ? "" : lifecycleReason;
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}
