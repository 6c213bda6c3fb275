package io.nemospawn.core.internal.agent;

import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.Role;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an agent's coordination prompt, {@code prompts/<agent_id>.md}: who it is, its team, GPUs,
 * role and task, and the exact {@code nemospawn} command lines it uses, with its ids filled in.
 * Every command named here exists in the CLI (a test parses each line against the real command
 * tree), and none blocks without a {@code --timeout}.
 */
public final class PromptWriter {
  private PromptWriter() {}

  /** Returns the prompt's path for an agent. */
  public static Path path(Path teamDir, String agentId) {
    return teamDir.resolve("prompts").resolve(agentId + ".md");
  }

  /**
   * Returns the worker command lines of the prompt, ids filled in, in NemoSpawn 1.0's forms: the
   * team id first where 1.0 takes it positionally (task, inbox), {@code --team}/{@code --agent}
   * where 1.0 takes options (plan, lifecycle, spawn, watch).
   */
  public static List<String> workerCommands(String team, String agent) {
    String t = " --team " + team;
    String a = " --agent " + agent;
    return List.of(
        "nemospawn task list " + team,
        "nemospawn task claim " + team + " TASK_ID" + a,
        "nemospawn task update " + team + " TASK_ID --status done --val-loss 0.123",
        "nemospawn task update " + team + " TASK_ID --status failed",
        "nemospawn inbox receive " + team + " " + agent + " --wait --timeout 60",
        "nemospawn inbox send " + team + " RECIPIENT \"your message\" --from " + agent,
        "nemospawn plan submit" + t + a + " --title \"title\" --steps \"first step,second step\"",
        "nemospawn plan show" + t + " --plan PLAN_ID",
        "nemospawn lifecycle idle" + t + a + " --reason \"waiting for work\"",
        "nemospawn lifecycle shutdown-request" + t + a + " --reason \"all my tasks are done\"");
  }

  /** Returns the leader's extra command lines, ids filled in, in the same forms. */
  public static List<String> leaderCommands(String team, String agent) {
    String t = " --team " + team;
    return List.of(
        "nemospawn task create " + team + " \"train\"",
        "nemospawn task create " + team + " \"evaluate\" --blocked-by TASK_ID",
        "nemospawn task wait " + team + " TASK_ID --timeout 600",
        "nemospawn plan list" + t,
        "nemospawn plan approve" + t + " --plan PLAN_ID --reviewer " + agent
            + " --comment \"go ahead\"",
        "nemospawn plan reject" + t + " --plan PLAN_ID --reviewer " + agent
            + " --comment \"what to change\"",
        "nemospawn lifecycle idle-list" + t,
        "nemospawn lifecycle shutdown-approve" + t + " --agent AGENT_ID --by " + agent,
        "nemospawn lifecycle shutdown-reject" + t + " --agent AGENT_ID --by " + agent
            + " --reason \"why not yet\"",
        "nemospawn inbox broadcast " + team + " \"message to everyone\" --from " + agent,
        "nemospawn spawn list" + t,
        "nemospawn watch status" + t);
  }

  /** Renders the prompt text. */
  public static String render(AgentInfo agent, String teamName, Path dataDir, Path workDir) {
    boolean leader = agent.role().equalsIgnoreCase(Role.LEADER.name());
    String gpus = agent.gpuIds().isEmpty()
        ? "none (CUDA_VISIBLE_DEVICES is empty)"
        : agent.gpuIds().toString() + " (CUDA_VISIBLE_DEVICES="
            + String.join(",", agent.gpuIds().stream().map(String::valueOf).toList()) + ")";
    List<String> l = new ArrayList<>();
    l.add("# NemoSpawn agent " + agent.name());
    l.add("");
    l.add("You are agent `" + agent.name() + "` (id `" + agent.id() + "`), role `" + agent.role()
        + "`, in team `" + teamName + "` (id `" + agent.teamId() + "`).");
    l.add("");
    l.add("- GPUs: " + gpus);
    l.add("- Data directory: `" + dataDir + "` (NEMOSPAWN_DATA_DIR)");
    l.add("- Working directory: `" + workDir + "`");
    l.add("- NEMOSPAWN_TEAM and NEMOSPAWN_AGENT hold your team id and agent id: the commands"
        + " below write the ids out, and \"$NEMOSPAWN_TEAM\" and \"$NEMOSPAWN_AGENT\" may be"
        + " written instead. The team id comes first where NemoSpawn 1.0 takes it that way"
        + " (task, inbox); other commands take --team and --agent.");
    l.add("");
    l.add("## Your task");
    l.add("");
    l.add(agent.task().isBlank() ? "(none yet: check the task list and your inbox)" : agent.task());
    l.add("");
    l.add("## How you coordinate");
    l.add("");
    l.add("Use these `nemospawn` commands (add `--json` for machine-readable output). Claim a task"
        + " before working on it, report progress and results (with `--val-loss` for training),"
        + " read your inbox regularly, submit a plan before large changes and wait for its review,"
        + " say when you are idle, and ask to shut down when you are done. Commands that wait"
        + " always take a `--timeout`; never wait without one.");
    l.add("");
    l.add("```sh");
    l.addAll(workerCommands(agent.teamId(), agent.id()));
    l.add("```");
    if (leader) {
      l.add("");
      l.add("## You lead this team");
      l.add("");
      l.add("Break the goal into tasks with dependencies, review the workers' plans, answer their"
          + " messages, watch their health, and approve a worker's shutdown once its work is"
          + " merged (approval stops the worker and frees its GPUs).");
      l.add("");
      l.add("```sh");
      l.addAll(leaderCommands(agent.teamId(), agent.id()));
      l.add("```");
    }
    l.add("");
    return String.join("\n", l);
  }

  /** Writes the prompt file atomically and returns its path. */
  public static Path write(Path teamDir, AgentInfo agent, String text, Durability durability) {
    Path p = path(teamDir, agent.id());
    AtomicFiles.write(p, text.getBytes(StandardCharsets.UTF_8), durability);
    return p;
  }
}
