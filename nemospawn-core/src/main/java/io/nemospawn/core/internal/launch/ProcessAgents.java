package io.nemospawn.core.internal.launch;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.spi.AtomicFiles;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a launch's agents as child processes with their environment set before they start
 * ({@code NEMOSPAWN_TEAM}, {@code NEMOSPAWN_AGENT}, {@code NEMOSPAWN_DATA_DIR}, {@code
 * NEMOSPAWN_PROMPT}, {@code CUDA_VISIBLE_DEVICES}), arguments passed without a shell, output to
 * {@code logs/<agent_id>.log} in the team directory; stops them (descendants included) on close.
 * Thread-safe.
 */
final class ProcessAgents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProcessAgents.class);

  /** The demo agent's main class (module nemospawn-demo). */
  static final String DEMO_MAIN = "io.nemospawn.demo.DemoAgent";

  private static final Duration GRACE = Duration.ofSeconds(5);

  private final Path dataDir;
  private final Team team;
  private final Map<String, Started> started = new LinkedHashMap<>();

  ProcessAgents(Path dataDir, Team team) {
    this.dataDir = dataDir;
    this.team = team;
  }

  /** An agent that has exited. */
  record Exit(String agentId, String name, int code, Path log) {}

  private record Started(String name, Process process, Path log) {}

  synchronized void start(LaunchPlan.PlannedAgent a, String agentId, String taskId) {
    List<String> command = command(a);
    if (!a.runtime().equals("process")) {
      throw new AgentLaunchException(
          a.name(),
          command,
          -1,
          "Cannot start agent '" + a.name()
              + "' with runtime '" + a.runtime() + "': this build starts launch agents as plain"
              + " processes only; launch with --runtime process.",
          null);
    }
    Path prompt = team.dir().resolve("prompts").resolve(agentId + ".md");
    Path logFile = team.dir().resolve("logs").resolve(agentId + ".log");
    try {
      Files.createDirectories(prompt.getParent());
      Files.createDirectories(logFile.getParent());
      AtomicFiles.write(
          prompt, prompt(a, agentId, taskId).getBytes(StandardCharsets.UTF_8), Durability.NONE);
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
          .directory(team.dir().toFile());
      Map<String, String> env = pb.environment();
      env.put("NEMOSPAWN_TEAM", team.id());
      env.put("NEMOSPAWN_AGENT", agentId);
      env.put(NemoSpawn.DATA_DIR_ENV, dataDir.toString());
      env.put("NEMOSPAWN_PROMPT", prompt.toString());
      env.put("NEMOSPAWN_ROLE", a.role());
      env.put(
          "CUDA_VISIBLE_DEVICES",
          String.join(",", a.gpus().stream().map(String::valueOf).toList()));
      Process p = pb.start();
      started.put(agentId, new Started(a.name(), p, logFile));
      team.agents().updateStatus(agentId, AgentStatus.RUNNING, p.pid());
      log.info("Started agent {} ({}) as pid {}", a.name(), agentId, p.pid());
    } catch (IOException e) {
      throw new AgentLaunchException(
          a.name(),
          command,
          -1,
          "Cannot start agent '" + a.name() + "' with " + command + ": " + e.getMessage()
              + ". Check that the command exists.",
          e);
    }
  }

  /** Returns the agents that have exited (each reported once per call, all every call). */
  synchronized List<Exit> exited() {
    List<Exit> out = new ArrayList<>();
    started.forEach((id, s) -> {
      if (!s.process().isAlive()) {
        out.add(new Exit(id, s.name(), s.process().exitValue(), s.log()));
      }
    });
    return out;
  }

  static List<String> command(LaunchPlan.PlannedAgent a) {
    if (a.isDemo()) {
      if (ProcessAgents.class.getClassLoader().getResource(DEMO_MAIN.replace('.', '/') + ".class")
              == null
          && ClassLoader.getSystemResource(DEMO_MAIN.replace('.', '/') + ".class") == null) {
        throw new AgentLaunchException(
            a.name(),
            List.of(LaunchOptions.DEMO),
            -1,
            "Cannot start the demo agent for '" + a.name() + "': io.nemospawn:nemospawn-demo is"
                + " not on the class path. Add it, or use the nemospawn CLI, which has it.",
            null);
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      return List.of(
          java,
          "-XX:+UseSerialGC",
          "-Xmx256m",
          "-XX:TieredStopAtLevel=1",
          "-cp",
          System.getProperty("java.class.path"),
          DEMO_MAIN);
    }
    if (a.agent().startsWith("profile:")) {
      throw new AgentLaunchException(
          a.name(),
          List.of(a.agent()),
          -1,
          "Cannot start agent '"
              + a.name() + "' with " + a.agent()
              + ": agent profiles are started by the agent runtime"
              + " (nemospawn spawn), which is not in this build; use --agent-cmd.",
          null);
    }
    List<String> cmd = new ArrayList<>();
    for (String part : a.agent().strip().split("\\s+")) {
      cmd.add(part);
    }
    return cmd;
  }

  private String prompt(LaunchPlan.PlannedAgent a, String agentId, String taskId) {
    return "# You are " + a.name() + " (" + a.role() + ") in team " + team.id() + "\n\n"
        + "Agent id: " + agentId + "\n"
        + "GPUs: " + (a.gpus().isEmpty() ? "none" : a.gpus().toString()) + "\n"
        + "Your task: " + taskId + "\n\n"
        + a.prompt() + "\n\n"
        + "## Coordination\n\n"
        + "- Claim your task: `nemospawn task claim " + taskId + "`\n"
        + "- Report progress: `nemospawn task update " + taskId + " --val-loss V`\n"
        + "- Finish: `nemospawn task update " + taskId + " --status done`\n"
        + "- Tell the leader: `nemospawn inbox send leader \"text\"`\n"
        + "- Read your messages: `nemospawn inbox receive`\n";
  }

  @Override
  public synchronized void close() {
    RuntimeException first = null;
    for (Map.Entry<String, Started> e : started.entrySet()) {
      Process p = e.getValue().process();
      if (!p.isAlive()) {
        continue;
      }
      try {
        List<ProcessHandle> kids = p.descendants().toList();
        p.destroy();
        kids.forEach(ProcessHandle::destroy);
        if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          kids.forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
        team.agents().updateStatus(e.getKey(), AgentStatus.STOPPED, p.pid());
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      } catch (RuntimeException re) {
        if (first == null) {
          first = re;
        } else {
          first.addSuppressed(re);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
