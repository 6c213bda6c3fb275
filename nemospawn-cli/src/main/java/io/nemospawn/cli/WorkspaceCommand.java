package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.agent.WorkspaceInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nemospawn workspace list|checkpoint|merge|cleanup}: the agents' git worktrees. */
@Command(
    name = "workspace",
    mixinStandardHelpOptions = true,
    description = "Lists, checkpoints, merges and removes the agents' git worktrees.",
    subcommands = {
      WorkspaceCommand.ListCmd.class,
      WorkspaceCommand.CheckpointCmd.class,
      WorkspaceCommand.MergeCmd.class,
      WorkspaceCommand.CleanupCmd.class
    })
final class WorkspaceCommand {

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the worktrees.")
  static final class ListCmd extends TeamSubcommand {
    @Override
    int run(Team t) {
      List<WorkspaceInfo> all = t.workspaces().list();
      if (out.json()) {
        out.json(all.stream()
            .map(w -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("agent_id", w.agentId());
              m.put("name", w.agentName());
              m.put("path", w.path().toString());
              m.put("branch", w.branch());
              m.put("repo", w.repo().toString());
              m.put("exists", w.exists());
              m.put("dirty", w.dirty());
              return m;
            })
            .toList());
      } else {
        out.table(
            List.of("AGENT", "BRANCH", "PATH", "STATE"),
            all.stream()
                .map(w -> List.of(
                    w.agentId(),
                    w.branch(),
                    w.path().toString(),
                    !w.exists() ? "missing" : w.dirty() ? "uncommitted changes" : "clean"))
                .toList());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "checkpoint",
      mixinStandardHelpOptions = true,
      description = "Commits everything in an agent's worktree.")
  static final class CheckpointCmd extends AgentSubcommand {
    @Option(
        names = {"-m", "--message"},
        defaultValue = "nemospawn checkpoint",
        paramLabel = "MESSAGE",
        description = "Commit message (default: ${DEFAULT-VALUE}).")
    String message;

    @Override
    int run(Team t) {
      Optional<String> c = t.workspaces().checkpoint(agent, message);
      if (out.json()) {
        out.json(Map.of("agent", agent, "commit", c.orElse("")));
      } else {
        out.println(c.map(x -> "Checkpoint " + x).orElse("Nothing to checkpoint"));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "merge",
      mixinStandardHelpOptions = true,
      description = "Merges an agent's branch into a target branch; a conflict leaves the target"
          + " untouched and names the files.")
  static final class MergeCmd extends AgentSubcommand {
    @Option(
        names = "--target",
        defaultValue = "",
        paramLabel = "BRANCH",
        description = "Target branch (default: the branch checked out in the repository; unlike"
            + " NemoSpawn 1.0, a given --target is honoured).")
    String target;

    @Override
    int run(Team t) {
      String c = t.workspaces().merge(agent, target);
      if (out.json()) {
        out.json(Map.of("agent", agent, "commit", c));
      } else {
        out.println("Merged into " + (target.isEmpty() ? "the current branch" : target) + ": " + c);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "cleanup",
      mixinStandardHelpOptions = true,
      description = "Removes an agent's worktree (its branch stays) and prunes.")
  static final class CleanupCmd extends AgentSubcommand {
    @Override
    int run(Team t) {
      t.workspaces().cleanup(agent);
      if (out.json()) {
        out.json(Map.of("agent", agent, "removed", true));
      } else {
        out.println("Removed the worktree of " + agent);
      }
      return ExitCodes.OK;
    }
  }
}
