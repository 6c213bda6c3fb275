package io.nemospawn.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Mixin for the agent a command acts on, named positionally ({@code spawn kill AGENT}) or with
 * NemoSpawn 1.0's {@code --agent AGENT}. Unlike {@link AgentOption} it never defaults to {@code
 * $NEMOSPAWN_AGENT}: stopping or merging an agent must name it.
 */
public final class AgentArg {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "AGENT",
      description = "Agent id or name (or give --agent).")
  @Nullable
  String positional;

  @Option(
      names = {"-a", "--agent"},
      paramLabel = "AGENT",
      description = "Agent id or name, as NemoSpawn 1.0 takes it (same as the positional AGENT).")
  @Nullable
  String option;

  /** Returns the agent, or fails with a usage error saying how to give one. */
  public String agent() {
    String a = agentOrNull();
    if (a == null || a.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "Missing agent: give AGENT or --agent AGENT (an id or a name)");
    }
    return a;
  }

  /** Returns the agent, or null when none is given; two different ones are a usage error. */
  public @Nullable String agentOrNull() {
    if (positional != null && option != null && !positional.equals(option)) {
      throw new ParameterException(
          spec.commandLine(),
          "Two agents given: AGENT '" + positional + "' and --agent '" + option + "'; give one");
    }
    return positional != null ? positional : option;
  }
}
