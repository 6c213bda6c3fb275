package io.nemospawn.agent;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The agent runtimes NemoSpawn ships: what starts an agent's process. A runtime added through the
 * {@link io.nemospawn.spi.AgentRuntime} SPI has no constant here; name it with the String forms
 * ({@code AgentSpec.Builder.runtime(String)}, {@code LaunchOptions.Builder.runtime(String)}),
 * which take any registered {@link io.nemospawn.spi.AgentRuntime#name()}.
 *
 * <pre>{@code
 * AgentSpec.builder("trainer").runtime(RuntimeKind.PROCESS).command("python", "train.py").build();
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum RuntimeKind {
  /** A tmux session per agent, which a person can attach to. */
  TMUX,
  /** A plain child process, its output to a log file. */
  PROCESS,
  /** A sandboxed container (OpenShell), network off unless allowed. */
  SANDBOX,
  /** A tmux session on a registered SSH host (needs {@code nemospawn-cluster}). */
  SSH,
  /** A SLURM job, its GPUs from the job's allocation (needs {@code nemospawn-cluster}). */
  SLURM;

  /** Returns the name used in records, settings and on the command line: {@code tmux} … */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the shipped runtime of a name (any case), or empty for a runtime of the SPI or an
   * unknown name.
   */
  public static Optional<RuntimeKind> find(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(k -> k.configName().equals(n)).findFirst();
  }
}
