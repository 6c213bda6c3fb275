package io.nemospawn.cli;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nemospawn spawn agent|list|kill|nudge}: start, list and stop agents. */
@Command(
    name = "spawn",
    mixinStandardHelpOptions = true,
    description = "Spawns agents (tmux, process or sandbox), lists and stops them.",
    subcommands = {
      SpawnCommand.AgentCmd.class,
      SpawnCommand.ListCmd.class,
      SpawnCommand.KillCmd.class,
      SpawnCommand.NudgeCmd.class
    })
final class SpawnCommand {

  static String gpus(List<Integer> g) {
    return g.isEmpty() ? "-" : g.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** The GPUs: either indices or a count. */
  static final class Gpus {
    @Option(
        names = "--gpu",
        split = ",",
        paramLabel = "IDS",
        description = "GPU indices to pin the agent to, e.g. --gpu 0,1.")
    @Nullable
    List<Integer> ids;

    @Option(
        names = "--gpus",
        paramLabel = "K",
        description = "Number of GPUs to place on free ones.")
    @Nullable
    Integer count;
  }

  @Command(
      name = "agent",
      mixinStandardHelpOptions = true,
      description = "Spawns an agent with its GPUs, prompt, environment and optional worktree.")
  static final class AgentCmd extends TeamSubcommand {
    @Option(
        names = {"-n", "--agent-name"},
        required = true,
        paramLabel = "NAME",
        description = "Agent name, unique in the team.")
    String name;

    @Option(
        names = {"-r", "--role"},
        defaultValue = "worker",
        paramLabel = "ROLE",
        description = "Role: worker, leader, … (default: ${DEFAULT-VALUE}).")
    String role;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    @Nullable
    Gpus gpus;

    @Option(
        names = "--task",
        defaultValue = "",
        paramLabel = "TEXT",
        description = "First task, passed verbatim.")
    String task;

    @Option(
        names = "--agent-cmd",
        paramLabel = "PROGRAM",
        description = "Agent CLI (claude, codex, kimi, cursor, nanobot, aider, opencode, copilot)"
            + " or a profile name, as in NemoSpawn 1.0; else a program to run, its arguments after"
            + " --, without a shell.")
    @Nullable
    String program;

    @Option(
        names = "--profile",
        paramLabel = "NAME",
        description = "Profile (or agent CLI name: claude, codex, aider, …) to run; wins over an"
            + " agent CLI named by --agent-cmd.")
    @Nullable
    String profile;

    @Option(
        names = "--remote",
        paramLabel = "USER@HOST",
        description = "Runs the agent on this host over SSH (the ssh runtime; its host key must"
            + " be known, see cluster register --accept-host-key): user@host[:port], or a"
            + " registered cluster's user@host. See docs/clusters.md.")
    @Nullable
    String remote;

    @Option(
        names = "--cluster",
        paramLabel = "NAME",
        description = "Runs the agent on this registered cluster over SSH (the ssh runtime).")
    @Nullable
    String cluster;

    @Option(
        names = "--runtime",
        paramLabel = "RUNTIME",
        description =
            "tmux, process, sandbox or slurm (a SLURM job; see docs/slurm.md) (default: the default_runtime setting).")
    @Nullable
    String runtime;

    @Option(
        names = "--repo",
        paramLabel = "PATH",
        description = "Git repository to give the agent a worktree of.")
    @Nullable
    Path repo;

    @Option(names = "--network", description = "Let a sandboxed agent use the network.")
    boolean network;

    @Option(names = "--env", paramLabel = "VAR=VALUE", description = "Extra environment variable.")
    Map<String, String> env = new LinkedHashMap<>();

    @Parameters(paramLabel = "ARG", description = "Arguments of --agent-cmd (after --).")
    List<String> args = new ArrayList<>();

    private AgentSpec.Builder b;

    @Override
    @Initializer
    void parse() {
      b = AgentSpec.builder(name)
          .role(role)
          .task(task)
          .detached(true)
          .network(network)
          .env(env);
      if (gpus != null && gpus.ids != null) {
        b.gpus(gpus.ids);
      } else if (gpus != null && gpus.count != null) {
        b.gpuCount(gpus.count);
      }
      if (remote != null && cluster != null) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "Give --remote or --cluster, not both");
      }
      String target = remote != null ? remote : cluster;
      if (target != null) {
        if (runtime != null && !runtime.equals("ssh")) {
          throw new picocli.CommandLine.ParameterException(
              spec.commandLine(),
              "--runtime " + runtime + " cannot run on " + target
                  + "; remote agents use the ssh runtime");
        }
        if (remote != null) {
          io.nemospawn.cluster.ssh.Cluster.ofRemote(remote); // validates user and host
        } else {
          io.nemospawn.cluster.ssh.Cluster.checkName(target);
        }
        runtime = "ssh";
        b.env(io.nemospawn.cluster.ssh.SshRuntime.TARGET_ENV, target);
      }
      if (program == null && !args.isEmpty()) {
        throw new IllegalArgumentException("Arguments " + args + " were given without"
            + " --agent-cmd; put them after: --agent-cmd PROGRAM -- ARGS");
      }
      if (runtime != null) {
        b.runtime(runtime);
      }
      if (repo != null) {
        b.repo(repo);
      }
    }

    @Override
    void prepare(NemoSpawn ns) {
      // NemoSpawn 1.0: --agent-cmd names an agent CLI or profile (claude, codex, …) and
      // --profile overrides it; a program with arguments, or one no profile is named after,
      // runs as given.
      String program = this.program;
      boolean agentCli = program != null
          && args.isEmpty()
          && program.matches("[A-Za-z0-9][A-Za-z0-9._-]*")
          && ns.profiles().find(program).isPresent();
      if (profile != null) {
        if (program != null && !agentCli) {
          throw new IllegalArgumentException("Both --profile '" + profile + "' and --agent-cmd"
              + " program '" + program + "' were given; give one");
        }
        b.profile(profile);
      } else if (agentCli && program != null) {
        b.profile(program);
      } else if (program != null) {
        List<String> cmd = new ArrayList<>(List.of(program));
        cmd.addAll(args);
        b.command(cmd);
      }
    }

    @Override
    int run(Team t) {
      Agent a = t.spawn(b.build());
      AgentInfo i = a.info();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("agent_id", i.id());
      m.put("name", i.name());
      m.put("role", i.role());
      m.put("gpu_ids", i.gpuIds());
      m.put("runtime", a.runtime());
      m.put("pid", i.pid());
      m.put("tmux_session", i.tmuxSession());
      m.put("worktree_path", i.worktreePath());
      m.put("log", a.logFile().toString());
      m.put("attach", String.join(" ", a.attachCommand()));
      if (out.json()) {
        out.json(m);
      } else {
        out.println("Spawned " + i.name() + " (" + i.id() + ") in team " + t.id() + " on GPUs "
            + gpus(i.gpuIds()) + " with " + a.runtime() + ", pid " + i.pid());
        out.println("  log:    " + a.logFile());
        if (!i.worktreePath().isEmpty()) {
          out.println("  worktree: " + i.worktreePath());
        }
        out.println("  attach: " + String.join(" ", a.attachCommand()));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the team's agents with their process state; STATUS says"
          + " unreachable for a remote agent whose host cannot be reached now (still running).")
  static final class ListCmd extends TeamSubcommand {
    @Override
    int run(Team t) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (AgentInfo i : t.agents().list().items()) {
        Agent a = t.agent(i.id());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("agent_id", i.id());
        m.put("name", i.name());
        m.put("role", i.role());
        m.put("status", i.status().wireName());
        m.put("lifecycle", i.lifecycle().wireName());
        m.put("gpu_ids", i.gpuIds());
        m.put("runtime", a.runtime());
        m.put("pid", i.pid());
        m.put("alive", a.isAlive());
        m.put("unreachable", a.unreachable().orElse(null));
        rows.add(m);
      }
      if (out.json()) {
        out.json(rows);
      } else {
        out.table(
            List.of(
                "AGENT", "NAME", "ROLE", "STATUS", "LIFECYCLE", "GPUS", "RUNTIME", "PID", "ALIVE"),
            rows.stream()
                .map(m -> List.of(
                    String.valueOf(m.get("agent_id")),
                    String.valueOf(m.get("name")),
                    String.valueOf(m.get("role")),
                    m.get("unreachable") != null ? "unreachable" : String.valueOf(m.get("status")),
                    String.valueOf(m.get("lifecycle")),
                    gpus(castList(m.get("gpu_ids"))),
                    String.valueOf(m.get("runtime")),
                    String.valueOf(m.get("pid")),
                    String.valueOf(m.get("alive"))))
                .toList());
      }
      return ExitCodes.OK;
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> castList(@Nullable Object o) {
      if (o == null) {
        return List.of();
      }
      return (List<Integer>) o;
    }
  }

  @Command(
      name = "kill",
      mixinStandardHelpOptions = true,
      description = "Stops an agent (TERM, grace, KILL, descendants included), frees its GPUs"
          + " and removes its worktree.")
  static final class KillCmd extends AgentSubcommand {
    @Option(
        names = "--grace",
        defaultValue = "10",
        paramLabel = "SECONDS",
        description = "Seconds between TERM and KILL (default: ${DEFAULT-VALUE}).")
    long grace;

    @Option(names = "--keep-workspace", description = "Keep the agent's worktree.")
    boolean keepWorkspace;

    @Override
    int run(Team t) {
      Agent a = t.agent(agent);
      a.stop(Duration.ofSeconds(grace));
      boolean removed = false;
      if (!keepWorkspace && !a.info().worktreePath().isEmpty()) {
        t.workspaces().cleanup(a.id());
        removed = true;
      }
      AgentInfo i = a.info();
      if (out.json()) {
        out.json(Map.of(
            "agent_id",
            i.id(),
            "status",
            i.status().wireName(),
            "exit_code",
            a.exitCode().isPresent() ? a.exitCode().getAsInt() : -1,
            "worktree_removed",
            removed));
      } else {
        out.println("Stopped " + i.name() + " (" + i.id() + ")"
            + (a.exitCode().isPresent() ? ", exit code " + a.exitCode().getAsInt() : "")
            + "; GPUs " + gpus(i.gpuIds()) + " are free" + (removed ? "; worktree removed" : ""));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "nudge",
      mixinStandardHelpOptions = true,
      description = "Types a short notice into a tmux agent's pane and checks it arrived.")
  static final class NudgeCmd extends TeamSubcommand {
    @Parameters(index = "0", paramLabel = "AGENT", description = "Agent id or name.")
    String agent;

    @Parameters(index = "1", paramLabel = "TEXT", description = "The notice, typed literally.")
    String text;

    @Option(
        names = "--timeout",
        defaultValue = "10",
        paramLabel = "SECONDS",
        description = "Seconds to wait for the text to show (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Override
    int run(Team t) throws InterruptedException {
      Agent a = t.agent(agent);
      boolean seen = a.nudge(text, Duration.ofSeconds(timeout));
      if (out.json()) {
        out.json(Map.of("agent_id", a.id(), "delivered", seen));
      } else {
        out.println(
            seen
                ? "Nudged " + a.id()
                : "Nudge to " + a.id() + " was not seen in its"
                    + " pane (it runs without tmux, has exited, or did not echo the text)");
      }
      return seen ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }
}
