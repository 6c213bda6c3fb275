package io.nemospawn.hpo;

import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Pruner} sees: the study, its trials (all states, in number order) and the trial
 * being decided, and a way to record per-trial state such as ASHA's {@code completed_rung_<r>}.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface PruneContext {
  String studyName();

  Direction direction();

  /** Returns every trial of the study, the current one included. */
  List<FrozenTrial> trials();

  /** Returns the trial being decided, with its latest reports. */
  FrozenTrial trial();

  /**
   * Returns the trials changed since {@code previous}, an earlier answer for this study (see
   * {@link StudyStorage#changesSince}); by default every trial of {@link #trials()}, marked full.
   */
  default StudyStorage.Changes changesSince(StudyStorage.@Nullable Changes previous) {
    return new StudyStorage.Changes(this, 0, trials(), true);
  }

  /** Stores a system attribute (a JSON value) on the current trial. */
  void setSystemAttr(String key, String json);
}
