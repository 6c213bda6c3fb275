package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.board.CostSource;
import io.nemospawn.board.CostView;
import io.nemospawn.core.cost.BudgetStatus;
import io.nemospawn.core.cost.Budgets;
import io.nemospawn.core.cost.CostLedger;
import io.nemospawn.core.cost.CostReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The board's and the exporter's view of a team's costs, from nemospawn-core's ledger and budget
 * (the board itself programs against the api only): each reading refreshes the ledger as {@code
 * cost show} does, then reads where the team stands against its budget.
 */
final class BoardCosts {
  private BoardCosts() {}

  /** Returns the source of a team's costs, or null for a team whose costs core does not keep. */
  static @Nullable CostSource of(Team team) {
    CostLedger ledger;
    Budgets budgets;
    try {
      ledger = CostLedger.of(team);
      budgets = Budgets.of(team);
    } catch (IllegalArgumentException e) {
      return null; // not a team of this process's files (a remote team): no cost panel
    }
    return () ->
        view(ledger.refresh(), budgets.budget().isPresent() ? budgets.status() : Optional.empty());
  }

  static CostView view(CostReport r, Optional<BudgetStatus> budget) {
    List<CostView.Agent> agents = new ArrayList<>();
    for (CostReport.AgentCost a : r.agents()) {
      agents.add(new CostView.Agent(
          a.agentId(),
          a.name(),
          a.gpuSeconds()
              .divide(java.math.BigDecimal.valueOf(3600), 12, java.math.RoundingMode.HALF_EVEN),
          a.gpuUsd(),
          a.tokens().usage().total(),
          a.tokens().usd()));
    }
    List<CostView.Limit> limits = new ArrayList<>();
    budget.ifPresent(s -> {
      for (BudgetStatus.Limit l : s.limits()) {
        if (l.limit().signum() > 0) {
          limits.add(new CostView.Limit(l.kind(), l.used(), l.limit()));
        }
      }
    });
    CostReport.Tokens tokens = r.tokens();
    return new CostView(
        r.from(),
        r.at(),
        r.gpuUsd(),
        tokens.usd(),
        r.gpuHours(),
        tokens.usage().total(),
        tokens.unpriced(),
        agents,
        limits);
  }
}
