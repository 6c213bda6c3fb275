package io.nemospawn.core.internal.agent;

import io.nemospawn.AgentSpec;
import io.nemospawn.Listing;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.Agents;
import io.nemospawn.core.internal.FileAgents;
import java.util.Optional;

/**
 * The agents a team shows its callers: every read first reconciles the records with the processes
 * ({@link AgentSupervisor#reconcile()}, as a watch pass does), so an agent whose process has ended
 * is read as {@code stopped}/{@code dead} and its GPUs are free, whoever asks and whether or not a
 * watch runs. Writes go straight to the records. Thread-safe.
 */
public final class ReconcilingAgents implements Agents {
  private final FileAgents records;
  private final AgentSupervisor supervisor;

  public ReconcilingAgents(FileAgents records, AgentSupervisor supervisor) {
    this.records = records;
    this.supervisor = supervisor;
  }

  @Override
  public AgentInfo register(AgentSpec agent) {
    return records.register(agent);
  }

  @Override
  public AgentInfo get(String idOrName) {
    supervisor.reconcile();
    return records.get(idOrName);
  }

  @Override
  public Optional<AgentInfo> find(String idOrName) {
    supervisor.reconcile();
    return records.find(idOrName);
  }

  @Override
  public Listing<AgentInfo> list() {
    supervisor.reconcile();
    return records.list();
  }

  @Override
  public AgentInfo updateStatus(String idOrName, AgentStatus status, long pid) {
    return records.updateStatus(idOrName, status, pid);
  }

  @Override
  public String toString() {
    return "ReconcilingAgents[" + records + "]";
  }
}
