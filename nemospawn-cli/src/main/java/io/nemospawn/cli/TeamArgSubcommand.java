package io.nemospawn.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Parameters;

/**
 * A {@link TeamSubcommand} whose first positional argument is NemoSpawn 1.0's optional {@code
 * TEAM_ID} ({@code team status [TEAM_ID]}, {@code gpu status [TEAM_ID]}, {@code task show [TEAM_ID]
 * TASK_ID}). A command with positional arguments of its own declares them from index 1, each
 * {@code arity = "0..1"}, and sorts them in {@link #parse} with {@link #arg} or {@link #args}; one
 * without keeps the default {@link #parse}.
 */
abstract class TeamArgSubcommand extends TeamSubcommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "TEAM_ID", description = TeamOption.TEAM_ID)
  @Nullable
  String teamId;

  @Override
  @Initializer
  void parse() {
    team.split(Collections.singletonList(teamId));
  }

  /**
   * Sorts {@code TEAM_ID} and the command's one positional argument as typed (null: not given), as
   * {@link TeamOption#split} does, and returns that argument.
   *
   * @param typed the command's positional field after {@code TEAM_ID}
   * @param label its label, for the usage error when it is missing
   */
  String arg(@Nullable String typed, String label) {
    return args(Collections.singletonList(typed), label).get(0);
  }

  /**
   * Sorts {@code TEAM_ID} and the command's positional arguments as typed (null: not given), as
   * {@link TeamOption#split} does, and returns {@code labels.length} values; with no labels, only
   * checks that no argument is left over once the team is taken.
   *
   * @param typed the command's positional fields after {@code TEAM_ID}, in order
   * @param labels the labels of the values it needs, for the usage error
   */
  List<String> args(List<@Nullable String> typed, String... labels) {
    List<@Nullable String> all = new ArrayList<>(typed.size() + 1);
    all.add(teamId);
    all.addAll(typed);
    return team.split(all, labels);
  }
}
