/**
 * Hyperparameter optimisation: define-and-run studies ({@link io.nemospawn.hpo.Hpo#study(String)}),
 * search spaces, samplers (TPE, random, genetic), pruners (ASHA, Hyperband, median) and study
 * storages (in memory, a journal file shared by many processes, Optuna-compatible SQLite in
 * {@code nemospawn-hpo-sqlite}).
 *
 * @since 0.1
 */
@NullMarked
package io.nemospawn.hpo;

import org.jspecify.annotations.NullMarked;
