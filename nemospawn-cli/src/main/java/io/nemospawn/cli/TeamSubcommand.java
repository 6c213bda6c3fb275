package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand that works on one team: the output, state and {@code --team} options, and opening
 * the team around {@link #run}. Every command that works on one team builds on it: the task,
 * inbox, plan, lifecycle, artifact, workspace and watch groups, spawn list/kill/nudge, agent list,
 * gpu status/reallocate and team status/topology/check/repair. A command that needs the team
 * before it can sort its arguments ({@code task wait}, {@code watch start}) or makes one ({@code
 * team create}) does not.
 */
abstract class TeamSubcommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  Output out;

  @Mixin
  StateOptions state;

  @Mixin
  TeamOption team;

  @Override
  public Integer call() throws Exception {
    parse();
    String teamName = team.team();
    String actor = actor();
    try (NemoSpawn ns = actor == null ? state.open() : state.open(actor);
        Team t = ns.team(teamName)) {
      return run(t);
    }
  }

  /**
   * Sorts the positional arguments before the team is opened, usually with {@link
   * TeamOption#split}; usage errors thrown here touch no file. Does nothing by default.
   */
  void parse() {}

  /** Returns who acts, recorded as the user of the audit entries, or null for the default. */
  String actor() {
    return null;
  }

  /** Runs the command on the opened team; returns the exit code. */
  abstract int run(Team t) throws Exception;
}
