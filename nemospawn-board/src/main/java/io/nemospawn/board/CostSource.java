package io.nemospawn.board;

import org.apiguardian.api.API;

/**
 * Reads what one team has cost now, for the board's cost panel ({@link
 * BoardOptions.Builder#cost}) and the exporter ({@code TeamMetrics.Builder.cost}). The board
 * programs against the api only; the team's cost ledger lives in nemospawn-core, so whoever opens
 * the team gives the source:
 *
 * <pre>{@code
 * CostSource cost = () -> toView(CostLedger.of(team).refresh(), Budgets.of(team).status());
 * }</pre>
 *
 * (the CLI's {@code BoardCosts} is that mapping). Called from the board's own threads, at most
 * once per GPU sampling interval, and once per scrape; a failure is reported and the last reading
 * stays.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
@FunctionalInterface
public interface CostSource {
  /**
   * Returns the team's costs read now.
   *
   * @throws RuntimeException when they cannot be read (the caller reports it and goes on)
   */
  CostView read();
}
