package io.nemospawn.core.internal.agent;

import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.WorkspaceInfo;
import io.nemospawn.agent.Workspaces;
import io.nemospawn.core.internal.state.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/** The team's worktrees, found through the agent records ({@code worktree_path}, {@code repo}). */
public final class FileWorkspaces implements Workspaces {
  private final AgentSupervisor supervisor;

  public FileWorkspaces(AgentSupervisor supervisor) {
    this.supervisor = supervisor;
  }

  @Override
  public List<WorkspaceInfo> list() {
    List<WorkspaceInfo> out = new ArrayList<>();
    for (AgentInfo a : supervisor.agents().list().items()) {
      find(a).ifPresent(out::add);
    }
    return out;
  }

  private Optional<WorkspaceInfo> find(AgentInfo a) {
    ObjectNode n = supervisor.records().raw(a.id());
    String repo = Json.text(n, "repo", "");
    String wt = a.worktreePath();
    if (repo.isEmpty() || wt.isEmpty()) {
      return Optional.empty();
    }
    Path p = Path.of(wt);
    boolean exists = Files.isDirectory(p);
    return Optional.of(new WorkspaceInfo(
        a.id(),
        a.name(),
        p,
        GitWorktrees.branch(a.teamId(), a.name()),
        Path.of(repo),
        exists,
        exists && GitWorktrees.isDirty(p)));
  }

  private WorkspaceInfo require(String agent) {
    AgentInfo a = supervisor.agents().get(agent);
    return find(a)
        .orElseThrow(() -> new NoSuchElementException("Agent '" + a.name() + "' (" + a.id()
            + ") has no worktree; spawn agents with a git repository to give them one"));
  }

  @Override
  public Optional<String> checkpoint(String agent, String message) {
    WorkspaceInfo w = require(agent);
    Optional<String> c = GitWorktrees.checkpoint(w.path(), message);
    supervisor
        .context()
        .audit(
            "workspace.checkpoint",
            w.agentId(),
            Map.of("commit", c.orElse(""), "message", message));
    return c;
  }

  @Override
  public String merge(String agent, String target) {
    WorkspaceInfo w = require(agent);
    if (target == null || target.isEmpty()) {
      target = GitWorktrees.currentBranch(w.repo());
    }
    String c = GitWorktrees.merge(
        w.repo(),
        w.branch(),
        target,
        "Merge " + w.branch() + " (agent " + w.agentName() + ") into " + target);
    supervisor
        .context()
        .audit(
            "workspace.merge",
            w.agentId(),
            Map.of("branch", w.branch(), "target", target, "commit", c));
    return c;
  }

  @Override
  public void cleanup(String agent) {
    WorkspaceInfo w = require(agent);
    supervisor.removeWorkspace(w.agentId());
    supervisor
        .context()
        .audit("workspace.cleanup", w.agentId(), Map.of("path", w.path().toString()));
  }
}
