/**
 * Cost accounting and budgets: token usage read from the agent CLIs' own structured output
 * ({@link io.nemospawn.core.cost.UsageReader}), priced per model from a versioned, overridable
 * pricing file ({@link io.nemospawn.core.cost.Pricing}), GPU-hours from agent lifetimes ({@link
 * io.nemospawn.core.cost.CostLedger}), and team budgets with hard stops ({@link
 * io.nemospawn.core.cost.Budgets}). All money is exact {@link java.math.BigDecimal} in USD.
 */
@NullMarked
package io.nemospawn.core.cost;

import org.jspecify.annotations.NullMarked;
