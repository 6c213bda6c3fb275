package io.nemospawn.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * How to launch a template: the GPUs to use, the goal, which agent runs the workers and where.
 * Immutable and thread-safe; build one with {@link #builder()}.
 *
 * <pre>{@code
 * LaunchOptions.builder().gpus(0, 1, 2, 3).goal("beat 0.30 val_loss").agentCommand("demo").build()
 * }</pre>
 *
 * @param gpus the GPU indices the team may use; empty: no GPUs (workers get none)
 * @param goal the team's goal, given to the leader verbatim; empty: the template's description
 * @param agentCommand the command every agent runs ({@value #DEMO} for the built-in demo agent);
 *     empty: the profile, else an agent CLI found on the PATH, else the demo agent
 * @param profile the agent profile for workers that name none; empty: see {@code agentCommand}
 * @param runtime the runtime (tmux, process, sandbox) for workers that name none; empty: the
 *     {@code default_runtime} setting, else tmux when installed, else process
 * @param teamName the team's name; empty: the template's name
 * @param shareGpus whether a GPU may go to two workers when there are too few
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record LaunchOptions(
    List<Integer> gpus,
    String goal,
    String agentCommand,
    String profile,
    String runtime,
    String teamName,
    boolean shareGpus) {

  /** The agent command that selects the built-in demo agent. */
  public static final String DEMO = "demo";

  /** Validates and copies. */
  public LaunchOptions {
    gpus = List.copyOf(gpus);
    for (int g : gpus) {
      if (g < 0) {
        throw new IllegalArgumentException("GPU index " + g + " must be >= 0");
      }
    }
    if (gpus.size() != new java.util.HashSet<>(gpus).size()) {
      throw new IllegalArgumentException("GPU list " + gpus + " names a GPU twice");
    }
    goal = goal == null ? "" : goal;
    agentCommand = agentCommand == null ? "" : agentCommand.strip();
    profile = profile == null ? "" : profile.strip();
    runtime = runtime == null ? "" : runtime.strip();
    teamName = teamName == null ? "" : teamName;
    if (!agentCommand.isEmpty() && !profile.isEmpty()) {
      throw new IllegalArgumentException("agentCommand '" + agentCommand + "' and profile '"
          + profile + "' exclude each other; give one of them");
    }
  }

  /** Returns the options with every default: no GPUs, automatic agent and runtime. */
  public static LaunchOptions defaults() {
    return builder().build();
  }

  /** Returns a new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.gpus = new ArrayList<>(gpus);
    b.goal = goal;
    b.agentCommand = agentCommand;
    b.profile = profile;
    b.runtime = runtime;
    b.teamName = teamName;
    b.shareGpus = shareGpus;
    return b;
  }

  /**
   * Parses a GPU list as the CLI takes it: {@code 0-7}, {@code 0,1,4}, {@code 0-3,6}, or an empty
   * string for none.
   *
   * @throws IllegalArgumentException naming the part that is not a number or range
   */
  public static List<Integer> parseGpus(String text) {
    Objects.requireNonNull(text, "text");
    List<Integer> out = new ArrayList<>();
    if (text.isBlank() || text.strip().equalsIgnoreCase("none")) {
      return out;
    }
    for (String part : text.split(",")) {
      String p = part.strip();
      try {
        int dash = p.indexOf('-');
        if (dash > 0) {
          int lo = Integer.parseInt(p.substring(0, dash).strip());
          int hi = Integer.parseInt(p.substring(dash + 1).strip());
          if (hi < lo) {
            throw new IllegalArgumentException(
                "GPU range '" + p + "' runs backwards; write " + hi + "-" + lo);
          }
          for (int g = lo; g <= hi; g++) {
            out.add(g);
          }
        } else {
          out.add(Integer.parseInt(p));
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "GPU list '" + text + "': '" + p
                + "' is not a GPU index or range; write e.g. 0-7 or 0,1,4",
            e);
      }
    }
    return out;
  }

  /** Builds {@link LaunchOptions}. Not thread-safe; reusable. */
  public static final class Builder {
    private List<Integer> gpus = new ArrayList<>();
    private String goal = "";
    private String agentCommand = "";
    private String profile = "";
    private String runtime = "";
    private String teamName = "";
    private boolean shareGpus;

    Builder() {}

    /** Sets the GPUs the team may use. */
    public Builder gpus(List<Integer> gpuIds) {
      this.gpus = new ArrayList<>(gpuIds);
      return this;
    }

    /** Sets the GPUs the team may use. */
    public Builder gpus(int... gpuIds) {
      this.gpus = new ArrayList<>();
      for (int g : gpuIds) {
        gpus.add(g);
      }
      return this;
    }

    /** Sets the goal given to the leader. */
    public Builder goal(String text) {
      this.goal = Objects.requireNonNull(text, "goal");
      return this;
    }

    /** Sets the command every agent runs; {@value LaunchOptions#DEMO} for the demo agent. */
    public Builder agentCommand(String command) {
      this.agentCommand = Objects.requireNonNull(command, "agentCommand");
      return this;
    }

    /** Sets the agent profile. */
    public Builder profile(String name) {
      this.profile = Objects.requireNonNull(name, "profile");
      return this;
    }

    /** Sets one of the shipped runtimes. */
    public Builder runtime(io.nemospawn.agent.RuntimeKind runtime) {
      return runtime(Objects.requireNonNull(runtime, "runtime").configName());
    }

    /** Sets the runtime by name: a shipped one or one registered through the SPI. */
    public Builder runtime(String name) {
      this.runtime = Objects.requireNonNull(name, "runtime");
      return this;
    }

    /** Sets the team's name. */
    public Builder teamName(String name) {
      this.teamName = Objects.requireNonNull(name, "teamName");
      return this;
    }

    /** Allows two workers on one GPU when there are too few. */
    public Builder shareGpus(boolean share) {
      this.shareGpus = share;
      return this;
    }

    /**
     * Validates and returns the options.
     *
     * @throws IllegalArgumentException when both an agent command and a profile are set
     */
    public LaunchOptions build() {
      return new LaunchOptions(gpus, goal, agentCommand, profile, runtime, teamName, shareGpus);
    }

    @Override
    public String toString() {
      return "LaunchOptions.Builder[gpus=" + gpus + ", agentCommand=" + agentCommand + ", profile="
          + profile + ", runtime=" + runtime + ", teamName=" + teamName + "]";
    }
  }
}
