package io.nemospawn.hpo;

import java.nio.file.Path;
import java.util.function.Function;

/** Eight real JVMs ask and tell on one journal file. */
class JournalStorageIT extends StorageProcessesContract {
  /** Opens a journal; public for the child processes. */
  public static final class Opener implements Function<Path, StudyStorage> {
    @Override
    public StudyStorage apply(Path file) {
      return StudyStorage.journal(file);
    }
  }

  @Override
  protected Class<Opener> opener() {
    return Opener.class;
  }

  @Override
  protected String fileName() {
    return "shared.journal";
  }
}
