package io.nemospawn.agent;

import io.nemospawn.Listing;
import java.util.List;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The agent records of a team. Spawning processes is the agent runtime's work; this is the
 * registry they and hand-started agents write to. Thread-safe.
 *
 * <p>Reads show the truth: before {@link #get}, {@link #find} and {@link #list} answer, the
 * records are reconciled with the processes as a watch pass does, so an agent whose process has
 * ended reads as status {@code stopped} and lifecycle {@code dead} (with its exit code), and its
 * GPUs are free. Hand-registered agents, which no runtime started, keep the status they were given.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Agents {
  /**
   * Registers an agent started by hand (no runtime starts anything): a fresh id {@code
   * <name>-<8 hex>}, status {@code running}, lifecycle {@code running}. The spec's name, role,
   * GPU indices and task are recorded; its spawn-only parts (command, profile, runtime, GPU count,
   * repository, environment, network, detached) must be left unset.
   *
   * <pre>{@code
   * team.agents().register(AgentSpec.builder("trainer").role(Role.WORKER).gpus(0).build());
   * }</pre>
   *
   * @throws IllegalArgumentException when the name is invalid or taken in this team, or the spec
   *     sets a spawn-only part, naming it
   * @since 0.1
   */
  AgentInfo register(io.nemospawn.AgentSpec agent);

  /**
   * Registers an agent: a fresh id {@code <name>-<8 hex>}, status {@code running}, lifecycle
   * {@code running}.
   *
   * @deprecated use {@link #register(io.nemospawn.AgentSpec)}: {@code
   *     register(AgentSpec.builder(name).role(role).gpus(gpuIds).task(task).build())}
   * @throws IllegalArgumentException when the name is invalid or taken in this team
   */
  @Deprecated(since = "0.1")
  default AgentInfo register(String name, String role, List<Integer> gpuIds, String task) {
    java.util.Objects.requireNonNull(gpuIds, "gpuIds");
    for (Integer g : gpuIds) {
      if (g == null) {
        throw new IllegalArgumentException(
            "Invalid GPU index null for agent '" + name + "'; use indices >= 0");
      }
    }
    return register(new io.nemospawn.AgentSpec(
        name, role, gpuIds, 0, List.of(), "", task, "", null, java.util.Map.of(), false, false));
  }

  /**
   * Returns an agent by id, or by name.
   *
   * @throws java.util.NoSuchElementException naming the team's agents when there is none
   */
  AgentInfo get(String idOrName);

  /** Returns an agent by id or name, if there is one. */
  Optional<AgentInfo> find(String idOrName);

  /** Lists the agents by creation time, reconciled with their processes first. */
  Listing<AgentInfo> list();

  /** Records a process status and pid (runtimes call this). */
  AgentInfo updateStatus(String idOrName, AgentStatus status, long pid);
}
