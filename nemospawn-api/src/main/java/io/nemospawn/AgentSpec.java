package io.nemospawn;

import io.nemospawn.agent.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * What to spawn: an agent's name, role, GPUs, the command (or a profile naming an agent CLI), its
 * first task, the runtime that runs it and the repository it works in. Immutable; built with
 * {@link #builder(String)}.
 *
 * <pre>{@code
 * Agent trainer = team.spawn(AgentSpec.builder("trainer-0")
 *     .role("worker").gpus(0, 1).profile("claude")
 *     .task("Fine-tune with lr=3e-4 and report val_loss")
 *     .build());
 * }</pre>
 *
 * <p>Exactly one of explicit GPU indices ({@link Builder#gpus(int...)}) or a GPU count ({@link
 * Builder#gpuCount(int)}) may be given; neither means no GPU. Exactly one of a command or a profile
 * may be given; neither means the {@code default_profile} setting.
 *
 * @param name the agent's name, unique in its team
 * @param role {@code worker}, {@code leader}, or another role name ({@link
 *     io.nemospawn.agent.Role#name()})
 * @param gpuIds explicit GPU indices, or empty
 * @param gpuCount how many GPUs to place automatically, or 0
 * @param command the command and its arguments, run without a shell, or empty
 * @param profile the profile naming an agent CLI, or empty
 * @param task the first task, passed to the agent verbatim
 * @param runtime {@code tmux}, {@code process}, {@code sandbox}, or empty for the setting
 * @param repo the git repository to give the agent a worktree of, or null for none
 * @param env extra environment variables
 * @param network whether a sandboxed agent may use the network (other runtimes ignore it)
 * @param detached whether the agent outlives the JVM that spawned it (the CLI's agents do)
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record AgentSpec(
    String name,
    String role,
    List<Integer> gpuIds,
    int gpuCount,
    List<String> command,
    String profile,
    String task,
    String runtime,
    @Nullable Path repo,
    Map<String, String> env,
    boolean network,
    boolean detached) {

  /** Validates and copies. */
  public AgentSpec {
    Objects.requireNonNull(name, "name");
    role = role == null || role.isBlank() ? Role.WORKER.name() : role;
    gpuIds = List.copyOf(gpuIds);
    for (Integer g : gpuIds) {
      if (g < 0) {
        throw new IllegalArgumentException(
            "Invalid GPU index " + g + " for agent '" + name + "'; use indices >= 0");
      }
    }
    if (gpuIds.stream().distinct().count() != gpuIds.size()) {
      throw new IllegalArgumentException(
          "GPU indices " + gpuIds + " for agent '" + name + "' name a GPU twice");
    }
    if (gpuCount < 0) {
      throw new IllegalArgumentException(
          "Invalid GPU count " + gpuCount + " for agent '" + name + "'; use 0 or more");
    }
    if (gpuCount > 0 && !gpuIds.isEmpty()) {
      throw new InvalidSettingException(
          List.of("gpus", "gpuCount"),
          "Agent '" + name + "' asks for GPUs " + gpuIds + " and for " + gpuCount
              + " placed GPUs; give either GPU indices (gpus) or a GPU count (gpuCount), not"
              + " both");
    }
    command = List.copyOf(command);
    profile = profile == null ? "" : profile;
    if (!command.isEmpty() && !profile.isEmpty()) {
      throw new InvalidSettingException(
          List.of("command", "profile"),
          "Agent '" + name + "' has both a command " + command + " and a profile '" + profile
              + "'; give either a command or a profile, not both");
    }
    task = task == null ? "" : task;
    runtime = runtime == null ? "" : runtime;
    env = Map.copyOf(env);
  }

  /** Starts a spec for an agent with the given name. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Returns the runtime if it is one of the shipped ones; empty for the setting or an SPI one. */
  public java.util.Optional<io.nemospawn.agent.RuntimeKind> runtimeKind() {
    return io.nemospawn.agent.RuntimeKind.find(runtime);
  }

  /** Returns a builder holding this spec's values. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.role = role;
    b.gpuIds = new ArrayList<>(gpuIds);
    b.gpuCount = gpuCount;
    b.command = new ArrayList<>(command);
    b.profile = profile;
    b.task = task;
    b.runtime = runtime;
    b.repo = repo;
    b.env = new LinkedHashMap<>(env);
    b.network = network;
    b.detached = detached;
    return b;
  }

  /** Builds an {@link AgentSpec}. Not thread-safe; the last call of a setter wins. */
  public static final class Builder {
    private final String name;
    private String role = Role.WORKER.name();
    private List<Integer> gpuIds = new ArrayList<>();
    private int gpuCount;
    private List<String> command = new ArrayList<>();
    private String profile = "";
    private String task = "";
    private String runtime = "";
    private @Nullable Path repo;
    private Map<String, String> env = new LinkedHashMap<>();
    private boolean network;
    private boolean detached;

    Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** Sets the role; default {@link Role#WORKER}. */
    public Builder role(Role role) {
      return role(Objects.requireNonNull(role, "role").name());
    }

    /**
     * Sets the role by name: a well-known one ({@code worker}, {@code leader}, {@code trainer} …)
     * or a custom one; the name is checked as {@link Role#of(String)} does when the agent is
     * registered or spawned.
     */
    public Builder role(String role) {
      this.role = Objects.requireNonNull(role, "role");
      return this;
    }

    /** Pins the agent to these GPU indices. */
    public Builder gpus(List<Integer> gpuIds) {
      this.gpuIds = new ArrayList<>(gpuIds);
      return this;
    }

    /** Pins the agent to these GPU indices. */
    public Builder gpus(int... gpuIds) {
      return gpus(Arrays.stream(gpuIds).boxed().toList());
    }

    /** Asks for this many GPUs, placed on free ones. */
    public Builder gpuCount(int count) {
      this.gpuCount = count;
      return this;
    }

    /** Sets the command and its arguments; they are passed without a shell. */
    public Builder command(List<String> command) {
      this.command = new ArrayList<>(command);
      return this;
    }

    /** Sets the command and its arguments; they are passed without a shell. */
    public Builder command(String... command) {
      return command(Arrays.asList(command));
    }

    /** Names the profile ({@code D/profiles/<name>.json} or a built-in adapter) to run. */
    public Builder profile(String profile) {
      this.profile = Objects.requireNonNull(profile, "profile");
      return this;
    }

    /** Sets the first task, passed verbatim. */
    public Builder task(String task) {
      this.task = Objects.requireNonNull(task, "task");
      return this;
    }

    /** Chooses one of the shipped runtimes. */
    public Builder runtime(io.nemospawn.agent.RuntimeKind runtime) {
      return runtime(Objects.requireNonNull(runtime, "runtime").configName());
    }

    /**
     * Chooses the runtime by name: {@code tmux}, {@code process}, {@code sandbox} or the {@link
     * io.nemospawn.spi.AgentRuntime#name()} of a runtime registered through the SPI.
     */
    public Builder runtime(String runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /** Gives the agent a git worktree of this repository. */
    public Builder repo(Path repo) {
      this.repo = Objects.requireNonNull(repo, "repo");
      return this;
    }

    /** Adds an environment variable. */
    public Builder env(String name, String value) {
      this.env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Adds environment variables. */
    public Builder env(Map<String, String> env) {
      this.env.putAll(env);
      return this;
    }

    /** Lets a sandboxed agent use the network; default false. */
    public Builder network(boolean allowed) {
      this.network = allowed;
      return this;
    }

    /** Lets the agent outlive the spawning JVM; default false (closed with its team). */
    public Builder detached(boolean detached) {
      this.detached = detached;
      return this;
    }

    /**
     * Validates and builds the spec.
     *
     * @throws IllegalArgumentException when GPUs or the command are given twice, or invalid
     */
    public AgentSpec build() {
      return new AgentSpec(
          name, role, gpuIds, gpuCount, command, profile, task, runtime, repo, env, network,
          detached);
    }

    @Override
    public String toString() {
      return "AgentSpec.Builder[name=" + name + ", role=" + role + ", gpus=" + gpuIds
          + ", gpuCount=" + gpuCount + ", command=" + command + ", profile=" + profile
          + ", runtime=" + runtime + ", repo=" + repo + "]";
    }
  }
}
