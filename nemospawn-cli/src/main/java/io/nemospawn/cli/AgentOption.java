package io.nemospawn.cli;

import io.nemospawn.spi.Environment;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Mixin for {@code --agent}, defaulting to {@code $NEMOSPAWN_AGENT}. */
public final class AgentOption {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = {"-a", "--agent"},
      paramLabel = "AGENT",
      description = "Agent id or name (default: $NEMOSPAWN_AGENT).")
  @Nullable
  String agent;

  /** Returns the agent, or fails with a usage error saying how to give one. */
  public String agent() {
    return agentOr(null);
  }

  /** Returns the agent, else {@code fallback} when none is given (null: fail). */
  public String agentOr(@Nullable String fallback) {
    if (agent != null && !agent.isEmpty()) {
      return agent;
    }
    String env = Environment.get("NEMOSPAWN_AGENT");
    if (env != null && !env.isEmpty()) {
      return env;
    }
    if (fallback != null) {
      return fallback;
    }
    throw new ParameterException(
        spec.commandLine(), "Missing agent: pass --agent AGENT or set NEMOSPAWN_AGENT");
  }
}
