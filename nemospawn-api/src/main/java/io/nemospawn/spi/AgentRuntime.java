package io.nemospawn.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import org.apiguardian.api.API;

/**
 * Starts, watches and stops one agent process: in tmux, as a plain child process, in a sandbox,
 * and so on. Implementations are found with {@link ServiceLoader} ({@code META-INF/services}) and
 * chosen by {@link #name()}.
 *
 * <p>A runtime keeps no state of its own: everything needed to find the agent again (pid, its
 * start time, session name, log file) is in the {@link Launched} value, which the caller stores in
 * the agent's record, so that another process can probe or stop the agent later.
 *
 * <p>Contract: the environment is set before the agent starts (never typed into a shell); the
 * command's arguments reach the agent verbatim; stopping terminates every descendant.
 * Implementations are thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface AgentRuntime {

  /** Returns the name users choose it by: {@code tmux}, {@code process}, {@code sandbox}. */
  String name();

  /**
   * Returns why this runtime cannot run here (a tool missing, the kernel forbidding namespaces),
   * with what to do about it; empty when it can.
   */
  Optional<String> unavailableReason();

  /**
   * Starts the agent.
   *
   * @throws io.nemospawn.AgentLaunchException when it cannot be started
   */
  Launched start(Launch launch);

  /** Probes whether the agent still runs and, if it has exited, with which code. */
  Liveness probe(Launched launched);

  /**
   * Stops the agent: terminates its processes, waits up to {@code grace}, then kills what is
   * left, descendants included. Idempotent.
   */
  void stop(Launched launched, Duration grace);

  /** Returns the command that attaches a terminal to the agent, or an empty list. */
  List<String> attachCommand(Launched launched);

  /**
   * Returns whether agents run in a terminal that text can be {@linkplain #type typed} into; agent
   * CLIs are then started interactively and given their first message by typing. False by default.
   *
   * @since 0.3
   */
  default boolean interactive() {
    return false;
  }

  /**
   * Types {@code text} into the agent's terminal as a person would, presses Enter, and returns
   * whether the text was seen there within {@code timeout}. A runtime that is not {@linkplain
   * #interactive interactive} returns false, which the default does.
   *
   * @since 0.3
   */
  default boolean type(Launched launched, String text, Duration timeout)
      throws InterruptedException {
    return false;
  }

  /**
   * Returns the GPUs a scheduler allocated to the agent, once it knows them: the {@code
   * CUDA_VISIBLE_DEVICES} SLURM set for the agent's job, for example. The agent's record then shows
   * these rather than the GPUs leased from the team at spawn. Empty, the default, when the runtime
   * pins the leased GPUs itself or the allocation is not known yet.
   *
   * @since 0.4
   */
  default Optional<List<Integer>> allocatedGpus(Launched launched) {
    return Optional.empty();
  }

  /**
   * Returns why the agent's host cannot be reached now ({@code unreachable since T: why}), or
   * empty when it can be or the agent runs on this machine, the default. An unreachable agent is
   * not dead: {@link #probe} reports it running, and health passes report it unreachable.
   *
   * @since 0.4
   */
  default Optional<String> unreachable(Launched launched) {
    return Optional.empty();
  }

  /** Returns every runtime on the class path, in ServiceLoader order. */
  static List<AgentRuntime> all() {
    List<AgentRuntime> out = new ArrayList<>();
    ServiceLoader.load(AgentRuntime.class, AgentRuntime.class.getClassLoader()).forEach(out::add);
    if (out.isEmpty()) {
      ServiceLoader.load(AgentRuntime.class).forEach(out::add);
    }
    return out;
  }

  /**
   * Returns the runtime of this name.
   *
   * @throws IllegalArgumentException naming the known runtimes when there is none
   */
  static AgentRuntime named(String name) {
    List<AgentRuntime> all = all();
    return all.stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("Unknown agent runtime '" + name
            + "'; known runtimes: " + all.stream().map(AgentRuntime::name).toList()
            + (all.isEmpty() ? " (add io.nemospawn:nemospawn-core to the class path)" : "")));
  }

  /**
   * What to start.
   *
   * @param teamId the team
   * @param agentId the agent's id
   * @param agentName the agent's name (for messages)
   * @param command the program and its arguments, passed verbatim
   * @param env variables set before the agent starts, on top of the inherited environment
   * @param workDir the directory it starts in
   * @param logFile where its output goes
   * @param exitFile where its exit code is written when it ends
   * @param writable directories a sandbox lets it write (its worktree, its team)
   * @param network whether a sandbox lets it use the network
   */
  record Launch(
      String teamId,
      String agentId,
      String agentName,
      List<String> command,
      Map<String, String> env,
      Path workDir,
      Path logFile,
      Path exitFile,
      List<Path> writable,
      boolean network) {
    /** Validates and copies. */
    public Launch {
      Objects.requireNonNull(teamId, "teamId");
      Objects.requireNonNull(agentId, "agentId");
      Objects.requireNonNull(agentName, "agentName");
      command = List.copyOf(command);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("No command to start agent '" + agentName + "'");
      }
      env = Map.copyOf(env);
      Objects.requireNonNull(workDir, "workDir");
      Objects.requireNonNull(logFile, "logFile");
      Objects.requireNonNull(exitFile, "exitFile");
      writable = List.copyOf(writable);
    }

    /** Names the environment's variables but not their values, which may hold keys. */
    @Override
    public String toString() {
      return "Launch[team=" + teamId + ", agent=" + agentId + " (" + agentName + "), command="
          + command + ", env=" + new java.util.TreeSet<>(env.keySet()) + ", workDir=" + workDir
          + "]";
    }
  }

  /**
   * What was started: enough to find the process again from any JVM.
   *
   * @param runtime the runtime's name
   * @param pid the root process of the agent
   * @param startedAt the root process's start time as the OS reports it (guards against reuse of
   *     the pid), or {@link Instant#EPOCH} when unknown
   * @param session the tmux session name, or an empty string
   * @param socket the tmux socket path, or an empty string for the default server
   * @param logFile where its output goes
   * @param exitFile where its exit code is written
   */
  record Launched(
      String runtime,
      long pid,
      Instant startedAt,
      String session,
      String socket,
      Path logFile,
      Path exitFile) {
    /** Validates. */
    public Launched {
      Objects.requireNonNull(runtime, "runtime");
      Objects.requireNonNull(startedAt, "startedAt");
      session = session == null ? "" : session;
      socket = socket == null ? "" : socket;
      Objects.requireNonNull(logFile, "logFile");
      Objects.requireNonNull(exitFile, "exitFile");
    }
  }

  /**
   * The state of an agent process.
   *
   * @param alive whether it runs
   * @param exitCode its exit code when it has exited and the code is known
   */
  record Liveness(boolean alive, OptionalInt exitCode) {
    /** Validates. */
    public Liveness {
      Objects.requireNonNull(exitCode, "exitCode");
    }

    /** Returns the liveness of a running process. */
    public static Liveness running() {
      return new Liveness(true, OptionalInt.empty());
    }

    /** Returns the liveness of an ended process, with its code if known. */
    public static Liveness exited(OptionalInt code) {
      return new Liveness(false, code);
    }
  }
}
