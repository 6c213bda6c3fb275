package io.nemospawn.hpo;

import io.nemospawn.Remedied;
import java.nio.file.Path;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Entry point of the HPO module.
 *
 * <pre>{@code
 * Study study = Hpo.study("lr-sweep").space(space).direction(Direction.MINIMIZE).create();
 * try (Study s = Hpo.open(dataDir, "lr-sweep")) {      // a study created by `nemospawn hpo init`
 *   boolean prune = s.report(trialNumber, step, valLoss);
 * }
 * }</pre>
 *
 * <p>Task link: an agent's task carries metadata {@value #TASK_STUDY_KEY} (study name) and
 * {@value #TASK_TRIAL_KEY} (trial number); every {@code team.tasks().update(..)} that records a
 * {@code val_loss} (or {@code task update --val-loss V [--step K]}) then calls {@code
 * Hpo.open(dataDir, study).report(trial, step, V)} (or {@code tell} when the task is done), through
 * a {@link io.nemospawn.spi.TaskHook} this module registers (see {@link TaskTrials}).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Hpo {
  /** Task metadata key naming the study a task's trial belongs to. */
  public static final String TASK_STUDY_KEY = "hpo_study";

  /** Task metadata key holding the trial number a task runs. */
  public static final String TASK_TRIAL_KEY = "hpo_trial";

  /**
   * Task metadata key of an update: the step at which its {@code val_loss} is reported to the
   * linked trial (default: one past the trial's last step). Saved with the task like any
   * metadata, it is read from the update only, never from the saved task.
   */
  public static final String TASK_STEP_KEY = "hpo_step";

  /** Study user attribute holding the {@link HpoConfig} JSON of a study made from a TOML file. */
  public static final String ATTR_CONFIG = "nemospawn:config";

  private Hpo() {}

  /** Returns a builder of a study. */
  public static Study.Builder study(String name) {
    return Study.builder(name);
  }

  /** Returns the directory of the study storages under a data dir: {@code <dataDir>/hpo}. */
  public static Path studyDir(Path dataDir) {
    return dataDir.resolve("hpo");
  }

  /**
   * Creates a study under a data dir from a config (what {@code hpo init} does).
   *
   * @throws IllegalArgumentException if the study name is not a valid name (checked before any
   *     file is touched)
   * @throws IllegalStateException if the study exists
   */
  public static Study create(Path dataDir, String study, HpoConfig config) {
    return create(dataDir, study, config, null);
  }

  /**
   * Creates a study under a data dir from a config, warm-started from the earlier study {@code
   * warmStartFrom} of the same data dir when it is not null (what {@code hpo init
   * --warm-start-from} does; see {@link WarmStart}).
   *
   * @throws IllegalArgumentException if a study name is invalid, the earlier study does not
   *     exist, or its space is incompatible (all checked before anything is created)
   * @throws IllegalStateException if the study exists
   * @since 0.2
   */
  public static Study create(
      Path dataDir, String study, HpoConfig config, @Nullable String warmStartFrom) {
    StudyStorage source = null;
    if (warmStartFrom != null) {
      Path file = storageFile(dataDir, warmStartFrom);
      if (!java.nio.file.Files.isRegularFile(file)) {
        throw new IllegalArgumentException("Cannot warm-start study '" + study + "' from '"
            + warmStartFrom + "': there is no such study under " + studyDir(dataDir)
            + ". Give the name of an existing study (see its file " + file.getFileName() + ").");
      }
      if (warmStartFrom.equals(study)) {
        throw new IllegalArgumentException(
            "Cannot warm-start study '" + study + "' from itself; give a new study name.");
      }
      storageFile(dataDir, study); // validates the new name before the earlier study is opened
      source = StudyStorage.forDataDir(dataDir, warmStartFrom);
      try {
        // checked before the new study's file is created, so a refused warm start leaves nothing
        WarmStart.plan(source, warmStartFrom, study, config.direction(), config.space());
      } catch (RuntimeException e) {
        source.close();
        throw e;
      }
    }
    StudyStorage storage;
    try {
      storage = StudyStorage.forDataDir(dataDir, study);
    } catch (RuntimeException e) {
      if (source != null) {
        source.close();
      }
      throw e;
    }
    try {
      Study.Builder b = study(study)
          .ownedStorage(storage)
          .space(config.space())
          .direction(config.direction())
          .maxTrials(config.maxTrials())
          .sampler(config.newSampler())
          .pruner(config.newPruner());
      if (source != null && warmStartFrom != null) {
        b.warmStartFrom(source, warmStartFrom);
      }
      Study s = b.create();
      storage.setStudyUserAttr(study, ATTR_CONFIG, config.toJson());
      return s;
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    } finally {
      if (source != null) {
        source.close();
      }
    }
  }

  /**
   * Returns the file that holds a study under a data dir ({@code <dataDir>/hpo/<study>.db} with
   * {@code nemospawn-hpo-sqlite}, else {@code .journal}), touching nothing.
   *
   * @throws IllegalArgumentException if the study name is not a valid name (see {@link
   *     StudyStorage#fileForDataDir})
   */
  public static Path storageFile(Path dataDir, String study) {
    return StudyStorage.fileForDataDir(dataDir, study);
  }

  /**
   * Checks, touching nothing, that a study's storage file exists under a data dir; what {@link
   * #open} checks first, so that opening a missing study creates no file or directory.
   *
   * @return the storage file
   * @throws IllegalArgumentException if the study name is invalid or the study's file does not
   *     exist, naming the study and how to create it
   */
  public static Path requireStudy(Path dataDir, String study) {
    Path file = storageFile(dataDir, study);
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw noStudy(dataDir, study);
    }
    return file;
  }

  private static IllegalArgumentException noStudy(Path dataDir, String study) {
    return new Remedied.InvalidArgument(
        Remedied.Remedy.of(Remedied.Action.CREATE_STUDY, study, ""),
        "No study '" + study + "' under " + studyDir(dataDir)
            + ". Create it with Hpo.create(dataDir, \"" + study + "\", config).");
  }

  /**
   * Opens a study under a data dir, with the sampler and pruner its stored config names (TPE with
   * constant liar and ASHA if none). Close it when done. A missing study creates no file.
   *
   * @throws IllegalArgumentException if the study name is invalid or there is no such study
   */
  public static Study open(Path dataDir, String study) {
    requireStudy(dataDir, study);
    StudyStorage storage = StudyStorage.forDataDir(dataDir, study);
    try {
      StudyInfo info = storage.findStudy(study).orElseThrow(() -> noStudy(dataDir, study));
      String json = info.userAttrs().get(ATTR_CONFIG);
      HpoConfig config = json == null ? null : HpoConfig.fromJson(json);
      Study.Builder b = study(study).ownedStorage(storage);
      if (config != null) {
        b.sampler(config.newSampler()).pruner(config.newPruner());
      } else {
        b.sampler(Samplers.tpe().constantLiar(true).build())
            .pruner(Pruners.successiveHalving().build());
      }
      return b.load();
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    }
  }

  /** Returns the config a study was created with, if it was made from one. */
  public static java.util.Optional<HpoConfig> config(Study study) {
    return study
        .storage()
        .findStudy(study.name())
        .map(i -> i.userAttrs().get(ATTR_CONFIG))
        .map(HpoConfig::fromJson);
  }
}
