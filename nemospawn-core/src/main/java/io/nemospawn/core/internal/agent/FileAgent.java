package io.nemospawn.core.internal.agent;

import io.nemospawn.Agent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.core.internal.runtime.ProcessTree;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.AgentRuntime.Launched;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.node.ObjectNode;

/** An {@link Agent} found through its record; works from any process. Thread-safe. */
final class FileAgent implements Agent {
  private final AgentSupervisor supervisor;
  private final String id;

  FileAgent(AgentSupervisor supervisor, String id) {
    this.supervisor = supervisor;
    this.id = id;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String name() {
    return info().name();
  }

  @Override
  public AgentInfo info() {
    return io.nemospawn.core.internal.Codecs.agent(supervisor.records().raw(id));
  }

  @Override
  public String runtime() {
    return Json.text(supervisor.records().raw(id), "runtime", "");
  }

  @Override
  public boolean isAlive() {
    return supervisor.probe(id).alive();
  }

  @Override
  public OptionalInt exitCode() {
    ObjectNode n = supervisor.records().raw(id);
    if (n.has("exit_code") && n.get("exit_code").isNumber()) {
      return OptionalInt.of(n.get("exit_code").asInt());
    }
    return supervisor.probe(id).exitCode();
  }

  @Override
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    Optional<Launched> l = supervisor.launched(id);
    if (l.isEmpty()) {
      return !isAlive();
    }
    Optional<ProcessHandle> p = ProcessTree.find(l.get().pid(), l.get().startedAt());
    if (p.isPresent()) {
      try {
        p.get().onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        // onExit never fails; fall through to the probe.
      }
    }
    supervisor.reconcile();
    return !isAlive();
  }

  @Override
  public void stop(Duration grace) {
    supervisor.stop(id, grace, "stopped through the API", false);
  }

  @Override
  public Path logFile() {
    return supervisor.logsDir().resolve(id + ".log");
  }

  @Override
  public boolean nudge(String text, Duration timeout) throws InterruptedException {
    java.util.Objects.requireNonNull(text, "text");
    Optional<Launched> l = supervisor.launched(id);
    if (l.isEmpty() || !isAlive()) {
      return false;
    }
    AgentRuntime runtime = AgentRuntime.named(l.get().runtime());
    return runtime.interactive() && runtime.type(l.get(), text, timeout);
  }

  @Override
  public List<String> attachCommand() {
    return supervisor
        .launched(id)
        .map(l -> AgentRuntime.named(l.runtime()).attachCommand(l))
        .orElse(List.of());
  }

  @Override
  public Optional<String> unreachable() {
    return supervisor.unreachable(id);
  }

  @Override
  public String toString() {
    return "Agent[" + id + "]";
  }
}
