package io.nemospawn.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Mixin for {@code --team}, defaulting to {@code $NEMOSPAWN_TEAM} so agents can type less. */
public final class TeamOption {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = {"-t", "--team"},
      paramLabel = "TEAM",
      description = "Team id or name (default: $NEMOSPAWN_TEAM).")
  String team;

  /** Returns the team id or name, or fails with a usage error saying how to give one. */
  public String team() {
    if (team != null && !team.isEmpty()) {
      return team;
    }
    String env = System.getenv("NEMOSPAWN_TEAM");
    if (env != null && !env.isEmpty()) {
      return env;
    }
    throw new ParameterException(
        spec.commandLine(), "Missing team: pass --team TEAM or set NEMOSPAWN_TEAM");
  }
}
