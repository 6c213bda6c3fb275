package io.nemospawn.cli;

import io.nemospawn.spi.Environment;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Mixin for {@code --team}, defaulting to {@code $NEMOSPAWN_TEAM} so agents can type less, and
 * for NemoSpawn 1.0's positional {@code TEAM_ID}.
 *
 * <p>1.0 puts the team first among the positional arguments ({@code task show TEAM_ID TASK_ID});
 * ours also takes it from {@code -t/--team} or the environment. A command declares its positional
 * slots as optional parameters and calls {@link #split}: one argument more than the command needs
 * means the first one is the team.
 */
public final class TeamOption {
  /** Help text of the positional {@code TEAM_ID} parameter that commands declare. */
  public static final String TEAM_ID =
      "Team id or name, first as in NemoSpawn 1.0 (or give --team, or set $NEMOSPAWN_TEAM).";

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = {"-t", "--team"},
      paramLabel = "TEAM",
      description = "Team id or name (default: the positional TEAM_ID, else $NEMOSPAWN_TEAM).")
  @Nullable
  String team;

  /** The team taken from the positional arguments by {@link #split}, if any. */
  private @Nullable String positional;

  /** Returns the team id or name, or fails with a usage error saying how to give one. */
  public String team() {
    if (positional != null) {
      return positional;
    }
    if (team != null && !team.isEmpty()) {
      return team;
    }
    String env = Environment.get("NEMOSPAWN_TEAM");
    if (env != null && !env.isEmpty()) {
      return env;
    }
    boolean positionalTeam =
        spec.positionalParameters().stream().anyMatch(p -> p.paramLabel().contains("TEAM_ID"));
    throw new ParameterException(
        spec.commandLine(),
        positionalTeam
            ? "Missing team: give TEAM_ID as the first argument, pass --team TEAM or set"
                + " NEMOSPAWN_TEAM"
            : "Missing team: pass --team TEAM or set NEMOSPAWN_TEAM");
  }

  /**
   * Splits the positional arguments as typed ({@code null}s, the slots left empty, are dropped)
   * into an optional leading team and the {@code labels.length} values the command needs, in
   * order. With one value more than labels, the first is the team ({@link #team()} returns it
   * from then on); a different {@code --team} is a usage error.
   *
   * @param typed the command's positional parameter fields, in declaration order
   * @param labels names of the values the command needs after the team, for the usage error
   * @return exactly {@code labels.length} values
   */
  public List<String> split(List<@Nullable String> typed, String... labels) {
    List<String> given = new ArrayList<>();
    for (String s : typed) {
      if (s != null) {
        given.add(s);
      }
    }
    if (given.size() == labels.length + 1) {
      positional = given.remove(0);
      if (team != null && !team.isEmpty() && !team.equals(positional)) {
        throw new ParameterException(
            spec.commandLine(),
            "Two teams given: TEAM_ID '" + positional + "' and --team '" + team + "'; give one");
      }
      return given;
    }
    if (given.size() == labels.length) {
      return given;
    }
    String expected = labels.length == 0 ? "" : " " + String.join(" ", labels);
    throw new ParameterException(
        spec.commandLine(),
        (given.size() < labels.length ? "Missing argument" : "Too many arguments")
            + ": expected [TEAM_ID]" + expected + ", got " + given.size() + " argument"
            + (given.size() == 1 ? "" : "s"));
  }

  /**
   * Takes {@code first}, the first of a variable number of positional arguments, as the team,
   * with the same check as {@link #split}: a different {@code --team} is a usage error.
   */
  public void positional(String first) {
    if (team != null && !team.isEmpty() && !team.equals(first)) {
      throw new ParameterException(
          spec.commandLine(),
          "Two teams given: TEAM_ID '" + first + "' and --team '" + team + "'; give one");
    }
    positional = first;
  }

  /** Returns whether {@code --team} was given (not the positional team, not the environment). */
  public boolean hasOption() {
    return team != null && !team.isEmpty();
  }

  /** Returns the team {@code --team} or $NEMOSPAWN_TEAM gives, or null when neither does. */
  public @Nullable String optionOrEnvironment() {
    String t = team;
    if (t != null && !t.isEmpty()) {
      return t;
    }
    String env = Environment.get("NEMOSPAWN_TEAM");
    return env == null || env.isEmpty() ? null : env;
  }
}
