/**
 * Optuna 3.1-compatible SQLite study storage ({@link io.nemospawn.hpo.sqlite.SqliteStorage}):
 * {@code optuna.load_study} and Optuna's dashboard open our studies, and we open theirs.
 *
 * @since 0.1
 */
@NullMarked
package io.nemospawn.hpo.sqlite;

import org.jspecify.annotations.NullMarked;
