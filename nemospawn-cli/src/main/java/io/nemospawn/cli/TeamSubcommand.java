package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import picocli.CommandLine.Mixin;

/**
 * A subcommand that works on one team: the {@link StateSubcommand} options, {@code --team}, and
 * opening the team around {@link #run}. Every command that works on one team builds on it: the
 * task, inbox, plan, lifecycle, artifact, workspace and watch groups, spawn list/kill/nudge, agent
 * register/list, gpu status/reallocate and team status/topology/check/repair. Its usage errors
 * ({@link #parse}, a missing team) come before any file is touched.
 */
abstract class TeamSubcommand extends StateSubcommand {
  @Mixin
  TeamOption team;

  @Override
  public Integer call() throws Exception {
    parse();
    team.team(); // a missing team is a usage error before the data directory is opened
    try (NemoSpawn ns = open()) {
      prepare(ns);
      try (Team t = ns.team(team.team())) {
        return run(t);
      }
    }
  }

  /**
   * Sorts the positional arguments before the team is opened, usually with {@link
   * TeamOption#split}; usage errors thrown here touch no file. Does nothing by default.
   */
  void parse() {}

  /**
   * Runs with the data directory open, before the team is opened: for a command that needs it to
   * sort its arguments ({@code task wait}: is the first one a team?) or to read a setting ({@code
   * watch start}). Does nothing by default.
   */
  void prepare(NemoSpawn ns) {}

  /** Runs the command on the opened team; returns the exit code. */
  abstract int run(Team t) throws Exception;
}
