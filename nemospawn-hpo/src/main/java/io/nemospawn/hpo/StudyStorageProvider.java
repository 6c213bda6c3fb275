package io.nemospawn.hpo;

import java.nio.file.Path;
import org.apiguardian.api.API;

/**
 * Supplies a file-backed {@link StudyStorage} (found with {@link java.util.ServiceLoader}); {@code
 * nemospawn-hpo-sqlite} provides Optuna-compatible SQLite this way.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface StudyStorageProvider {
  /** Returns the file name extension of this storage's files, with the dot, e.g. {@code .db}. */
  String fileExtension();

  /** Opens (creating if needed) the storage in that file. */
  StudyStorage open(Path file);
}
