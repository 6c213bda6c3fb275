package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A subcommand that works on one team: the output, state and {@code --team} options, and opening
 * the team around {@link #run}. The inbox, plan, lifecycle and artifact groups build on it.
 */
abstract class TeamSubcommand implements Callable<Integer> {
  @Mixin
  Output out;

  @Mixin
  StateOptions state;

  @Mixin
  TeamOption team;

  @Override
  public Integer call() throws Exception {
    String teamName = team.team();
    try (NemoSpawn ns = state.open();
        Team t = ns.team(teamName)) {
      return run(t);
    }
  }

  /** Runs the command on the opened team; returns the exit code. */
  abstract int run(Team t) throws Exception;
}
