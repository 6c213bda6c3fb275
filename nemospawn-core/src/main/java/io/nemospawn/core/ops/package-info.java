/**
 * Team operations beyond the api's interfaces: {@link io.nemospawn.core.ops.Snapshots} (save,
 * list, restore all-or-nothing, delete), {@link io.nemospawn.core.ops.Scheduler} (analyze, suggest,
 * apply, auto), {@link io.nemospawn.core.ops.Resume} (reconcile a team after a crash) and {@link
 * io.nemospawn.core.ops.HealthWatch} (health passes every interval, on the team's clock). Each is
 * obtained for a {@link io.nemospawn.Team} opened from a data directory, for example {@code
 * Snapshots.of(team)}. See docs/operations.md.
 */
@NullMarked
package io.nemospawn.core.ops;

import org.jspecify.annotations.NullMarked;
