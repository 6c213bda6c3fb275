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
   * Registers an agent: a fresh id {@code <name>-<8 hex>}, status {@code running}, lifecycle
   * {@code running}.
   *
   * @throws IllegalArgumentException when the name is invalid or taken in this team
   */
  AgentInfo register(String name, String role, List<Integer> gpuIds, String task);

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
