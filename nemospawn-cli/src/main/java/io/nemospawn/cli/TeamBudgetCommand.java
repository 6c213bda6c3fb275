package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.core.cost.Budget;
import io.nemospawn.core.cost.BudgetStatus;
import io.nemospawn.core.cost.Budgets;
import io.nemospawn.spi.StateFormat;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code nemospawn team budget [TEAM_ID] [--gpu-hours X] [--tokens N] [--usd D] [--wall 12h]
 * [--clear]}: sets, raises, shows or clears a team's budget.
 */
@Command(
    name = "budget",
    mixinStandardHelpOptions = true,
    description = {
      "Sets, shows or clears a team's budget. Limits given replace those of the same kind; the"
          + " others stay. Without limits, shows where the team stands.",
      "The watch pass (watch status, watch start) enforces it: at 80 % of a limit the"
          + " leader gets one message; at 100 % every agent is stopped through its runtime, its"
          + " running tasks go back to pending and new agents are refused until the budget is"
          + " raised or cleared. GPU-hours and USD count from the last cost reset; wall time from"
          + " when the budget was first set."
    })
final class TeamBudgetCommand extends TeamArgSubcommand {
  @Option(names = "--gpu-hours", paramLabel = "X", description = "GPU-hours limit.")
  @Nullable
  String gpuHours;

  @Option(
      names = "--tokens",
      paramLabel = "N",
      description = "Tokens limit (input, cached input, cache writes and output of every agent).")
  @Nullable
  Long tokens;

  @Option(names = "--usd", paramLabel = "D", description = "USD limit (GPU time and tokens).")
  @Nullable
  String usd;

  @Option(
      names = "--wall",
      paramLabel = "DURATION",
      description = "Wall-time limit from when the budget was first set: 90s, 30m, 12h, 7d.")
  @Nullable
  String wall;

  @Option(names = "--clear", description = "Removes the budget.")
  boolean clear;

  @Override
  int run(Team t) {
    Budgets budgets = Budgets.of(t);
    boolean setting = gpuHours != null || tokens != null || usd != null || wall != null;
    if (clear) {
      if (setting) {
        throw new ParameterException(
            spec.commandLine(),
            "--clear cannot be combined with --gpu-hours, --tokens, --usd or --wall");
      }
      boolean had = budgets.clear();
      if (out.json()) {
        out.json(Map.of("team_id", t.id(), "cleared", had));
      } else {
        out.println(
            had ? "Budget of team " + t.id() + " cleared" : "Team " + t.id() + " has no budget");
      }
      return ExitCodes.OK;
    }
    Optional<BudgetStatus> status;
    if (setting) {
      Budget given;
      try {
        given = new Budget(
            decimal(gpuHours, "--gpu-hours"),
            tokens,
            decimal(usd, "--usd"),
            wall == null ? null : CostCommand.parseDuration(wall, "--wall"));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      Budget merged = budgets.budget().map(b -> b.merge(given)).orElse(given);
      status = Optional.of(budgets.set(merged));
    } else {
      status = budgets.status();
    }
    if (status.isEmpty()) {
      if (out.json()) {
        out.json(Map.of("team_id", t.id(), "budget", false));
      } else {
        out.println("Team " + t.id() + " has no budget; set one with: nemospawn team budget "
            + t.id() + " --usd D (or --gpu-hours, --tokens, --wall)");
      }
      return ExitCodes.OK;
    }
    BudgetStatus s = status.get();
    if (out.json()) {
      out.json(s.toFormatMap());
      return ExitCodes.OK;
    }
    List<List<String>> rows = new ArrayList<>();
    for (BudgetStatus.Limit l : s.limits()) {
      rows.add(List.of(
          l.kind(),
          l.describe().substring(l.kind().length() + 1),
          l.isExceeded() ? "SPENT" : l.isNear() ? "near" : "ok"));
    }
    out.println("Budget of team " + t.id() + " (wall time from "
        + StateFormat.formatTimestamp(s.startedAt()) + ")");
    out.table(List.of("LIMIT", "USED", "STATE"), rows);
    if (s.isExceeded()) {
      out.println("Spent: the watch stops every agent and new agents are refused until the"
          + " budget is raised (nemospawn team budget " + t.id() + " --usd D …) or cleared.");
    }
    return ExitCodes.OK;
  }

  private @Nullable BigDecimal decimal(@Nullable String text, String flag) {
    if (text == null) {
      return null;
    }
    try {
      return new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Invalid " + flag + " '" + StateFormat.printable(text) + "': use a number above 0");
    }
  }
}
