package io.nemospawn.hpo.sqlite;

import io.nemospawn.hpo.StorageProcessesContract;
import io.nemospawn.hpo.StudyStorage;
import java.nio.file.Path;
import java.util.function.Function;

/** Eight real JVMs ask and tell on one SQLite study. */
class SqliteStorageIT extends StorageProcessesContract {
  /** Opens the database; public for the child processes. */
  public static final class Opener implements Function<Path, StudyStorage> {
    @Override
    public StudyStorage apply(Path db) {
      return SqliteStorage.open(db);
    }
  }

  @Override
  protected Class<Opener> opener() {
    return Opener.class;
  }

  @Override
  protected String fileName() {
    return "shared.db";
  }
}
