package io.nemospawn.core.internal.agent;

import io.nemospawn.AccessRole;
import io.nemospawn.AgentLaunchException;
import io.nemospawn.AgentSpec;
import io.nemospawn.ConfigKey;
import io.nemospawn.InvalidSettingException;
import io.nemospawn.Principal;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.agent.Profile;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.runtime.Exec;
import io.nemospawn.core.internal.runtime.ProcessTree;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.AgentRuntime.Launched;
import io.nemospawn.spi.Environment;
import io.nemospawn.state.Authorizer;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Spawns one agent in five steps with one job each, rolled back in one place:
 *
 * <ol>
 *   <li>{@link #plan plan}: choose the runtime, the profile and the program, check the program is
 *       there and apply the workspace setting; no side effects;
 *   <li>{@link #reserve reserve}: write the agent record in status {@code spawning} with its GPUs
 *       leased (and the {@code agent.spawn} audit entry); undone by marking the record {@code
 *       stopped}/{@code dead} with {@code launch failed: <why>}, which frees the GPUs;
 *   <li>{@link #prepare prepare}: worktree, prompt, argv and environment, the {@link
 *       AgentRuntime.Launch}; undone by removing the worktree and the prompt;
 *   <li>{@link #launch launch}: hand the launch to the runtime; undone by stopping what it started;
 *   <li>{@link #record record}: patch the record to {@code running} with what the runtime started.
 * </ol>
 *
 * <p>Only {@link #launch} talks to the {@link AgentRuntime}, through the SPI alone, so a new
 * runtime (SSH, SLURM, a control-plane provider) plugs in with no change to the other steps. Each
 * step registers its undo with the {@link SpawnTransaction} right after its effect, so a failure
 * at any point (an exception of a later step, or of this one halfway) undoes exactly what was done.
 */
final class SpawnPipeline {
  /** The steps, in order. */
  enum Step {
    PLAN,
    RESERVE,
    PREPARE,
    LAUNCH,
    RECORD
  }

  /** Told each completed step, before the next; tests inject failures here. */
  @FunctionalInterface
  interface StepObserver {
    StepObserver NONE = step -> {};

    void completed(Step step) throws Exception;
  }

  /**
   * What {@link #prepare} made.
   *
   * @param worktree the agent's worktree, or null without one
   * @param firstMessage text to type once an interactive agent has started, or empty
   */
  record Prepared(
      @Nullable Path worktree, Path prompt, AgentRuntime.Launch launch, String firstMessage) {}

  /** A committed spawn. */
  record Spawned(SpawnPlan plan, AgentInfo agent, Launched launched, String firstMessage) {}

  private static final Duration ROLLBACK_GRACE = Duration.ofSeconds(2);

  private final AgentSupervisor supervisor;
  private final TeamContext ctx;
  private final String teamName;
  private final StepObserver observer;

  SpawnPipeline(AgentSupervisor supervisor, String teamName, StepObserver observer) {
    this.supervisor = supervisor;
    this.ctx = supervisor.context();
    this.teamName = teamName;
    this.observer = observer;
  }

  /** Runs every step; on a failure, undoes what was done and throws the failure. */
  Spawned run(AgentSpec spec) {
    SpawnTransaction tx = new SpawnTransaction();
    try {
      SpawnPlan plan = plan(spec);
      observer.completed(Step.PLAN);
      supervisor.reconcile();
      AgentInfo reserved = reserve(plan, tx);
      observer.completed(Step.RESERVE);
      Prepared prepared = prepare(plan, reserved, tx);
      observer.completed(Step.PREPARE);
      Launched launched = launch(plan, prepared, tx);
      observer.completed(Step.LAUNCH);
      AgentInfo recorded = record(plan, reserved, prepared, launched);
      observer.completed(Step.RECORD);
      tx.commit();
      return new Spawned(plan, recorded, launched, prepared.firstMessage());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      RuntimeException failure = e instanceof RuntimeException re
          ? re
          : new AgentLaunchException(
              spec.name(), spec.command(), -1, "Cannot spawn agent '" + spec.name() + "': " + e, e);
      tx.rollback(failure);
      throw failure;
    }
  }

  // ---------------------------------------------------------------- 1. plan

  /**
   * Resolves what to spawn: the runtime (available here), the profile or command, the program (on
   * {@code PATH}) and the repository for a worktree (workspace setting).
   */
  SpawnPlan plan(AgentSpec spec) {
    String runtimeName =
        spec.runtime().isEmpty() ? ctx.config().value(ConfigKey.DEFAULT_RUNTIME) : spec.runtime();
    AgentRuntime runtime = AgentRuntime.named(runtimeName);
    runtime.unavailableReason().ifPresent(why -> {
      throw new AgentLaunchException(
          spec.name(),
          spec.command(),
          -1,
          "Cannot spawn agent '" + spec.name() + "' with the " + runtimeName + " runtime: " + why,
          new InvalidSettingException(
              List.of("runtime", ConfigKey.DEFAULT_RUNTIME.key()),
              "The " + runtimeName + " runtime cannot run here: " + why));
    });
    Profile profile = null;
    if (spec.command().isEmpty()) {
      String name =
          spec.profile().isEmpty() ? ctx.config().value(ConfigKey.DEFAULT_PROFILE) : spec.profile();
      if (name.isEmpty()) {
        throw new InvalidSettingException(
            List.of("command", "profile", ConfigKey.DEFAULT_PROFILE.key()),
            "Agent '" + spec.name() + "' has no command: give it a command or a profile, or set"
                + " the default_profile setting to a profile's name");
      }
      profile = supervisor.profiles().get(name);
    }
    String program =
        profile != null ? FileProfiles.program(profile) : spec.command().get(0);
    if (Exec.which(program).isEmpty()) {
      throw new AgentLaunchException(
          spec.name(),
          spec.command(),
          -1,
          "Cannot spawn agent '"
              + spec.name() + "': command '" + program + "' is not "
              + (program.contains("/")
                  ? "an executable file"
                  : "on PATH (" + Environment.get("PATH") + ")")
              + "; install it or give its full path",
          null);
    }
    return new SpawnPlan(spec, runtime, profile, program, repository(spec));
  }

  /** Applies the workspace setting: the repository to make a worktree of, or null. */
  private @Nullable Path repository(AgentSpec spec) {
    String workspaceMode = ctx.config().value(ConfigKey.WORKSPACE);
    if (workspaceMode.equals("never")) {
      return null;
    }
    Path asked = spec.repo();
    if (asked == null) {
      if (workspaceMode.equals("always")) {
        throw new InvalidSettingException(
            List.of("repo", ConfigKey.WORKSPACE.key()),
            "The workspace setting is 'always' but agent '" + spec.name() + "' has no"
                + " repository; give it a git repository, or set workspace to 'auto'");
      }
      return null;
    }
    Path repo = GitWorktrees.topLevel(asked.toAbsolutePath()).orElse(null);
    if (repo == null && workspaceMode.equals("always")) {
      throw new InvalidSettingException(
          List.of("repo", ConfigKey.WORKSPACE.key()),
          "The repository " + asked + " of agent '" + spec.name() + "' is not inside a git"
              + " repository, and the workspace setting is 'always'; give a git repository, or"
              + " set workspace to 'auto'");
    }
    return repo;
  }

  // ---------------------------------------------------------------- 2. reserve

  /** Writes the record in status {@code spawning} with its GPUs leased. */
  AgentInfo reserve(SpawnPlan plan, SpawnTransaction tx) {
    AgentSpec spec = plan.spec();
    String runtimeText = plan.runtimeName();
    String profileText = plan.profile() == null ? "" : plan.profile().name();
    String repoText = plan.repo() == null ? "" : plan.repo().toString();
    AgentInfo reserved = supervisor
        .records()
        .reserve(
            spec.name(),
            spec.role(),
            spec.task(),
            supervisor.teamGpus(),
            spec.gpuIds(),
            spec.gpuCount(),
            supervisor::placeOnTopology,
            n -> {
              n.put("runtime", runtimeText);
              n.put("session", AgentSupervisor.sessionId());
              n.put("owner_pid", ProcessHandle.current().pid());
              Json.put(n, "owner_start", ProcessTree.startOf(ProcessHandle.current()));
              n.put("detached", spec.detached());
              n.put("profile", profileText);
              n.put("repo", repoText);
            });
    tx.onRollback(
        "the reservation of agent " + reserved.id(),
        cause -> supervisor
            .records()
            .patch(
                reserved.id(),
                a -> AgentRecords.with(
                    a,
                    AgentStatus.STOPPED,
                    a.pid(),
                    a.tmuxSession(),
                    a.worktreePath(),
                    LifecycleState.DEAD,
                    "launch failed: " + cause.getMessage(),
                    ctx.now()),
                n -> {}));
    return reserved;
  }

  // ---------------------------------------------------------------- 3. prepare

  /** Makes the worktree and the prompt, and builds the argv and environment to launch. */
  Prepared prepare(SpawnPlan plan, AgentInfo reserved, SpawnTransaction tx) throws IOException {
    AgentSpec spec = plan.spec();
    Path workDir = Environment.resolve(spec.repo() != null ? spec.repo() : Path.of(""));
    Path worktree = null;
    Path repo = plan.repo();
    if (repo != null) {
      Path wt = ctx.dir().resolve("workspaces").resolve(reserved.id());
      Files.createDirectories(wt.getParent());
      GitWorktrees.create(repo, wt, GitWorktrees.branch(ctx.teamId(), reserved.name()));
      tx.onRollback("the worktree " + wt, cause -> GitWorktrees.remove(repo, wt));
      worktree = wt;
      workDir = wt;
    }
    String promptText = PromptWriter.render(reserved, teamName, ctx.layout().dataDir(), workDir);
    Path prompt =
        PromptWriter.write(ctx.dir(), reserved, promptText, ctx.store().durability());
    tx.onRollback("the prompt " + prompt, cause -> Files.deleteIfExists(prompt));
    List<String> argv;
    String typed = "";
    Map<String, String> env = new LinkedHashMap<>();
    boolean network = spec.network();
    Profile p = plan.profile();
    if (p != null) {
      Adapter adapter = Adapters.get(p.agent());
      Adapter.Invocation inv = adapter.invocation(
          p, promptText, prompt.toString(), spec.task(), plan.runtime().interactive());
      argv = inv.argv();
      typed = inv.typedMessage();
      env.putAll(p.env());
      if (!p.baseUrl().isEmpty() && !adapter.baseUrlEnv().isEmpty()) {
        env.put(adapter.baseUrlEnv(), p.baseUrl());
      }
      String auth = p.authEnv().isEmpty() ? null : Environment.get(p.authEnv());
      if (auth != null) {
        env.put(p.authEnv(), auth);
      }
      network |= p.network();
    } else {
      argv = spec.command();
    }
    env.putAll(spec.env());
    env.put(
        "CUDA_VISIBLE_DEVICES",
        reserved.gpuIds().stream().map(String::valueOf).collect(Collectors.joining(",")));
    env.put("NEMOSPAWN_TEAM", ctx.teamId());
    env.put("NEMOSPAWN_AGENT", reserved.id());
    env.put("NEMOSPAWN_AGENT_NAME", reserved.name());
    env.put("NEMOSPAWN_ROLE", reserved.role());
    env.put("NEMOSPAWN_DATA_DIR", ctx.layout().dataDir().toString());
    env.put("NEMOSPAWN_PROMPT", prompt.toString());
    env.put("NEMOSPAWN_SESSION", AgentSupervisor.sessionId());
    Authorizer authorizer = Authorizer.of(ctx.layout().dataDir());
    if (authorizer.enabled()) {
      // A key scoped to this team, in the agent's environment only: the tmux runtime hands it
      // over in a 0600 file that its wrapper deletes once read; never on a command line.
      String agentId = reserved.id();
      String key = authorizer
          .keys()
          .generate("agent:" + agentId, new Principal(agentId, AccessRole.AGENT, ctx.teamId()));
      tx.onRollback("the access key of " + agentId, cause -> authorizer.keys().revokeUser(agentId));
      env.put(Authorizer.KEY_ENV, key);
    }
    Path audit = ctx.layout().auditFile();
    Path locks = ctx.layout().dataDir().resolve(".locks");
    Files.createDirectories(locks);
    if (!Files.exists(audit)) {
      try {
        Files.createFile(audit);
      } catch (FileAlreadyExistsException e) {
        // Another process created it meanwhile.
      }
    }
    List<Path> writable = new ArrayList<>(List.of(workDir, ctx.dir(), audit, locks));
    AgentRuntime.Launch launch = new AgentRuntime.Launch(
        ctx.teamId(),
        reserved.id(),
        reserved.name(),
        argv,
        env,
        workDir,
        supervisor.logsDir().resolve(reserved.id() + ".log"),
        supervisor.logsDir().resolve(reserved.id() + ".exit"),
        writable,
        network);
    return new Prepared(worktree, prompt, launch, typed);
  }

  // ---------------------------------------------------------------- 4. launch

  /** Starts the agent with the plan's runtime. */
  Launched launch(SpawnPlan plan, Prepared prepared, SpawnTransaction tx) {
    AgentRuntime runtime = plan.runtime();
    Launched launched = Objects.requireNonNull(
        runtime.start(prepared.launch()),
        () -> "The " + runtime.name() + " runtime started nothing");
    tx.onRollback(
        "the " + runtime.name() + " agent process " + launched.pid(),
        cause -> runtime.stop(launched, ROLLBACK_GRACE));
    return launched;
  }

  // ---------------------------------------------------------------- 5. record

  /** Records the agent as running, with what the runtime started. */
  AgentInfo record(SpawnPlan plan, AgentInfo reserved, Prepared prepared, Launched launched) {
    Path wt = prepared.worktree();
    AgentRuntime.Launch launch = prepared.launch();
    return supervisor
        .records()
        .patch(
            reserved.id(),
            a -> AgentRecords.with(
                a,
                AgentStatus.RUNNING,
                launched.pid(),
                launched.session(),
                wt == null ? "" : wt.toString(),
                LifecycleState.RUNNING,
                "",
                ctx.now()),
            n -> {
              Json.put(n, "pid_start", launched.startedAt());
              n.put("tmux_socket", launched.socket());
              n.put("log_path", launched.logFile().toString());
              n.put("exit_file", launched.exitFile().toString());
              n.put("prompt_path", prepared.prompt().toString());
              n.put("work_dir", launch.workDir().toString());
              n.put("network", launch.network());
              var cmd = n.putArray("command");
              launch.command().forEach(cmd::add);
              Json.put(n, "started_at", ctx.now());
            });
  }
}
