package io.nemospawn.hpo;

import io.nemospawn.hpo.internal.FileAskLock;
import io.nemospawn.hpo.internal.InMemoryStorage;
import io.nemospawn.hpo.internal.JournalStorage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Where studies and their trials live. Implementations: {@link #inMemory()}, {@link
 * #journal(Path)} (a file many processes and hosts can share), and Optuna-compatible SQLite from
 * {@code nemospawn-hpo-sqlite}. Every operation is atomic with respect to every other process
 * using the same storage: trial numbers are assigned under the storage's lock, so they are unique
 * and dense, and no operation is lost.
 *
 * <p>Errors: an unknown study or trial is an {@link IllegalArgumentException}; an operation on a
 * finished trial an {@link IllegalStateException}; a failure of the file system or database an
 * {@link io.nemospawn.StateException}. Implementations are thread-safe.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface StudyStorage extends AutoCloseable {

  /** Returns a storage that lives in this JVM only. */
  static StudyStorage inMemory() {
    return new InMemoryStorage();
  }

  /**
   * Returns a storage backed by an append-only journal file, shared safely by any number of
   * processes (and hosts on NFS): each operation takes an OS lock on the file, replays what others
   * appended, validates, appends and syncs.
   */
  static StudyStorage journal(Path file) {
    return new JournalStorage(file);
  }

  /**
   * Opens the storage the CLI uses for a study under a data dir: {@code <dataDir>/hpo/<study>.db}
   * (Optuna SQLite) when {@code nemospawn-hpo-sqlite} is on the path, else the journal {@code
   * <dataDir>/hpo/<study>.journal}, creating it if needed. The study name is checked (see {@link
   * #fileForDataDir}) before any file is touched.
   *
   * @throws IllegalArgumentException if the study name is not a valid name
   */
  static StudyStorage forDataDir(Path dataDir, String study) {
    Path file = fileForDataDir(dataDir, study);
    for (StudyStorageProvider p : ServiceLoader.load(StudyStorageProvider.class)) {
      return p.open(file);
    }
    return journal(file);
  }

  /**
   * Returns the file {@link #forDataDir} opens for a study, touching nothing. A study name becomes
   * part of a path, so it obeys the rule of every name in the state directory ({@link
   * io.nemospawn.spi.StateFormat#requireName}): 1-128 ASCII letters, digits, {@code .}, {@code _}
   * or {@code -}, starting with a letter or digit, never {@code ..}; so the file always lies
   * directly in {@code <dataDir>/hpo}.
   *
   * @throws IllegalArgumentException if the study name is not a valid name, naming it
   */
  static Path fileForDataDir(Path dataDir, String study) {
    java.util.Objects.requireNonNull(dataDir, "dataDir");
    io.nemospawn.spi.StateFormat.requireName("HPO study name", study);
    for (StudyStorageProvider p : ServiceLoader.load(StudyStorageProvider.class)) {
      return dataDir.resolve("hpo").resolve(study + p.fileExtension());
    }
    return dataDir.resolve("hpo").resolve(study + ".journal");
  }

  /**
   * Creates a study.
   *
   * @throws IllegalStateException if a study of that name exists
   */
  void createStudy(String study, Direction direction, Map<String, String> userAttrs);

  /** Returns the study of that name, if it exists. */
  Optional<StudyInfo> findStudy(String study);

  /** Returns the names of all studies in this storage. */
  List<String> studyNames();

  /** Sets a user attribute of a study (a JSON value). */
  void setStudyUserAttr(String study, String key, String json);

  /**
   * Creates a RUNNING trial and returns its number, assigned under the lock.
   *
   * @param maxTrials the most trials the study may hold, 0 for no limit
   * @throws IllegalStateException if the study already holds {@code maxTrials} trials
   */
  int createTrial(String study, int maxTrials, Instant start);

  /** Sets parameters of a running trial (internal values). */
  void setParams(
      String study,
      int number,
      Map<String, Distribution> distributions,
      Map<String, Double> internal);

  /** Records an intermediate value of a running trial (the last report of a step wins). */
  void reportIntermediate(String study, int number, int step, double value);

  /** Sets a system attribute of a trial (a JSON value). */
  void setTrialSystemAttr(String study, int number, String key, String json);

  /** Sets a user attribute of a trial (a JSON value). */
  void setTrialUserAttr(String study, int number, String key, String json);

  /**
   * Finishes a running trial.
   *
   * @param value the objective value, NaN for none
   * @throws IllegalStateException if the trial is not RUNNING
   */
  void finishTrial(String study, int number, TrialState state, double value, Instant end);

  /** Returns all trials of a study in number order. */
  List<FrozenTrial> trials(String study);

  /** Returns one trial. */
  FrozenTrial trial(String study, int number);

  /**
   * Trials of a study that changed, for callers that keep something computed from them (ASHA's
   * rung index): see {@link #changesSince}.
   *
   * @param source identifies the change log this answer comes from
   * @param version the position in that log this answer brings the caller to
   * @param trials the trials changed since the earlier answer (their current snapshots, each once,
   *     any order), or every trial of the study when {@code full}
   * @param full whether {@code trials} is every trial (the caller starts over)
   */
  record Changes(Object source, long version, List<FrozenTrial> trials, boolean full) {}

  /**
   * Returns the trials of {@code study} that changed (created, given parameters, reports,
   * attributes or a final state, by any process) since {@code previous}, an earlier answer of
   * this method for the same study; or every trial ({@link Changes#full}) when {@code previous} is
   * null, comes from another log, or this storage does not keep one. The default answers with
   * every trial; the in-memory and journal storages answer with the changes only, so a caller
   * that checks after every report pays for what changed, not for the study's size.
   */
  default Changes changesSince(String study, @Nullable Changes previous) {
    return new Changes(this, 0, trials(study), true);
  }

  /**
   * Runs {@code action} so that no other ask of {@code study} through this storage's data
   * (in this JVM and, for storages that processes share, in any process) runs at the same time.
   * {@link Study#ask()} holds it from creating its trial until the trial's parameters are stored,
   * so a sampler with a constant liar sees the parameters of every earlier ask. The default locks
   * this object (one JVM); the journal and SQLite storages lock a file next to the study, {@code
   * <file>.ask.lock} (see {@link #underFileLock}).
   */
  default <T> T underAskLock(String study, Supplier<T> action) {
    synchronized (this) {
      return action.get();
    }
  }

  /**
   * Runs {@code action} under an in-JVM lock and an exclusive OS file lock on {@code lockFile}
   * (created if missing): the ask lock of storages kept in files.
   *
   * @throws io.nemospawn.StateException if the lock file cannot be created or locked
   */
  static <T> T underFileLock(Path lockFile, Supplier<T> action) {
    return FileAskLock.run(lockFile, action);
  }

  /** Releases files or connections; idempotent. */
  @Override
  void close();
}
