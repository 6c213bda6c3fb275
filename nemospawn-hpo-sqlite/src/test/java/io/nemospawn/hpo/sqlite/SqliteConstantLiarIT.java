package io.nemospawn.hpo.sqlite;

import io.nemospawn.hpo.ConstantLiarProcessesContract;

/**
 * {@link ConstantLiarProcessesContract} on an SQLite study: the ask lock ({@code <file>.ask.lock})
 * orders asks across processes, so each sees the other's running trials with their parameters.
 */
class SqliteConstantLiarIT extends ConstantLiarProcessesContract {
  @Override
  protected Class<SqliteStorageIT.Opener> opener() {
    return SqliteStorageIT.Opener.class;
  }

  @Override
  protected String fileName() {
    return "shared.db";
  }
}
