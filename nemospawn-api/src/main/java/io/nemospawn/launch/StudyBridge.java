package io.nemospawn.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.apiguardian.api.API;

/**
 * Connects launches to an HPO module: validates a template's {@code [hpo]} section, creates the
 * team's shared study and reports on it. Found with {@link java.util.ServiceLoader}; without one,
 * templates with an {@code [hpo]} section cannot be launched. For module authors.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface StudyBridge {

  /** Returns the first bridge on the class path, if any. */
  static Optional<StudyBridge> find() {
    List<StudyBridge> found = new ArrayList<>();
    ServiceLoader.load(StudyBridge.class, StudyBridge.class.getClassLoader()).forEach(found::add);
    if (found.isEmpty()) {
      ServiceLoader.load(StudyBridge.class).forEach(found::add);
    }
    return found.stream().findFirst();
  }

  /**
   * Checks a study's settings.
   *
   * @throws IllegalArgumentException naming the source and line of an error
   */
  void validate(String toml, String source);

  /**
   * Creates a study under a data directory.
   *
   * @throws IllegalArgumentException for bad settings
   * @throws IllegalStateException when the study exists
   */
  void create(Path dataDir, String study, String toml, String source);

  /**
   * Reports on a study.
   *
   * @throws IllegalArgumentException when there is no such study
   */
  StudyReport report(Path dataDir, String study);
}
