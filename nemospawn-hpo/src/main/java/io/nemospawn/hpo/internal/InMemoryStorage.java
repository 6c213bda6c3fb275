package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.StudyInfo;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.TrialState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A {@link StudyStorage} in this JVM's memory; every method is synchronized. */
public final class InMemoryStorage implements StudyStorage {
  private final StudyModel model = new StudyModel();

  @Override
  public synchronized void createStudy(
      String study, Direction direction, Map<String, String> attrs) {
    model.createStudy(study, direction, attrs);
  }

  @Override
  public synchronized Optional<StudyInfo> findStudy(String study) {
    return model.findStudy(study);
  }

  @Override
  public synchronized List<String> studyNames() {
    return model.studyNames();
  }

  @Override
  public synchronized void setStudyUserAttr(String study, String key, String json) {
    model.setStudyUserAttr(study, key, json);
  }

  @Override
  public synchronized int createTrial(String study, int maxTrials, Instant start) {
    return model.createTrial(study, maxTrials, start);
  }

  @Override
  public synchronized void setParams(
      String study, int number, Map<String, Distribution> dists, Map<String, Double> internal) {
    model.setParams(study, number, dists, internal);
  }

  @Override
  public synchronized void reportIntermediate(String study, int number, int step, double value) {
    model.report(study, number, step, value);
  }

  @Override
  public synchronized void setTrialSystemAttr(String study, int number, String key, String json) {
    model.setTrialAttr(study, number, key, json, true);
  }

  @Override
  public synchronized void setTrialUserAttr(String study, int number, String key, String json) {
    model.setTrialAttr(study, number, key, json, false);
  }

  @Override
  public synchronized void finishTrial(
      String study, int number, TrialState state, double value, Instant end) {
    model.finish(study, number, state, value, end);
  }

  @Override
  public synchronized List<FrozenTrial> trials(String study) {
    return model.trials(study);
  }

  @Override
  public synchronized FrozenTrial trial(String study, int number) {
    return model.trial(study, number).freeze();
  }

  @Override
  public synchronized Changes changesSince(String study, @Nullable Changes previous) {
    return model.changesSince(study, previous);
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "InMemoryStorage" + studyNames();
  }
}
