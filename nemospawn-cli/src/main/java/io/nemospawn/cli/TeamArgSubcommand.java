package io.nemospawn.cli;

import java.util.Collections;
import picocli.CommandLine.Parameters;

/**
 * A {@link TeamSubcommand} whose only positional argument is NemoSpawn 1.0's optional {@code
 * TEAM_ID} ({@code team status [TEAM_ID]}, {@code gpu status [TEAM_ID]}, {@code task list
 * [TEAM_ID]}).
 */
abstract class TeamArgSubcommand extends TeamSubcommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "TEAM_ID", description = TeamOption.TEAM_ID)
  String teamId;

  @Override
  void parse() {
    team.split(Collections.singletonList(teamId));
  }
}
