package io.nemospawn.hpo.sqlite;

import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.StudyStorageProvider;
import java.nio.file.Path;
import org.apiguardian.api.API;

/**
 * Makes {@link StudyStorage#forDataDir} use SQLite ({@code <data dir>/hpo/<study>.db}) when this
 * module is on the class path.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class SqliteStorageProvider implements StudyStorageProvider {
  @Override
  public String fileExtension() {
    return ".db";
  }

  @Override
  public StudyStorage open(Path file) {
    return SqliteStorage.open(file);
  }
}
