package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.StudyInfo;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.TrialState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The state of every study of one storage, changed by validated operations. Each {@code do*}
 * method checks first and changes nothing when it throws. Not thread-safe: storages lock around
 * it.
 */
final class StudyModel {
  private final Map<String, StudyData> studies = new LinkedHashMap<>();

  static final class StudyData {
    final String name;
    final Direction direction;
    final Map<String, String> userAttrs = new LinkedHashMap<>();
    final List<TrialData> trials = new ArrayList<>();

    @Nullable
    List<FrozenTrial> snapshot;

    /**
     * The array behind the last snapshot and the change-log position it reflects: the next
     * snapshot copies it and refreezes only the trials changed since, so a study of 10,000 trials
     * does not refreeze (and walk) every trial on each ask. The array is never written after.
     */
    FrozenTrial @Nullable [] lastFrozen;

    @Nullable
    Object lastFrozenSource;

    int lastFrozenVersion;

    /**
     * The change log of {@link #changesSince}: the numbers of the trials changed, in order, and
     * per trial the position of its last entry. It starts over (a new {@link #logSource}) when it
     * reaches four entries per trial, so it stays O(trials); a caller from before then gets every
     * trial once.
     */
    Object logSource = new Object();

    int[] log = new int[64];
    int logSize;
    int[] lastChange = new int[16];

    StudyData(String name, Direction direction) {
      this.name = name;
      this.direction = direction;
    }
  }

  static final class TrialData {
    final int number;
    TrialState state = TrialState.RUNNING;
    double value = Double.NaN;
    final Map<String, Distribution> distributions = new LinkedHashMap<>();
    final Map<String, Double> params = new LinkedHashMap<>();
    final TreeMap<Integer, Double> intermediate = new TreeMap<>();
    final Map<String, String> systemAttrs = new LinkedHashMap<>();
    final Map<String, String> userAttrs = new LinkedHashMap<>();
    final Instant start;

    @Nullable
    Instant complete;

    @Nullable
    FrozenTrial frozen;

    TrialData(int number, Instant start) {
      this.number = number;
      this.start = start;
    }

    FrozenTrial freeze() {
      if (frozen == null) {
        frozen = new FrozenTrial(
            number,
            state,
            value,
            distributions,
            params,
            intermediate,
            systemAttrs,
            userAttrs,
            start,
            complete);
      }
      return frozen;
    }
  }

  StudyData study(String study) {
    StudyData s = studies.get(study);
    if (s == null) {
      throw new IllegalArgumentException(
          "No study '" + study + "' in this storage. Studies: " + studies.keySet()
              + ". Create it first (Hpo.study(\"" + study + "\")...create(), or `hpo init`).");
    }
    return s;
  }

  TrialData trial(String study, int number) {
    StudyData s = study(study);
    if (number < 0 || number >= s.trials.size()) {
      throw new IllegalArgumentException("No trial " + number + " in study '" + study
          + "': it has trials 0.." + (s.trials.size() - 1) + ".");
    }
    return s.trials.get(number);
  }

  private TrialData running(String study, int number, String what) {
    TrialData t = trial(study, number);
    if (t.state != TrialState.RUNNING) {
      throw new IllegalStateException(
          "Cannot " + what + " trial " + number + " of study '" + study + "': it is " + t.state
              + ", and only a RUNNING trial can change. Ask for a new trial instead.");
    }
    return t;
  }

  private static void changed(StudyData s, TrialData t) {
    t.frozen = null;
    s.snapshot = null;
    if (s.logSize == s.log.length) {
      if (s.logSize >= 4 * s.trials.size()) {
        s.logSource = new Object();
        s.logSize = 0;
      } else {
        s.log = Arrays.copyOf(s.log, 2 * s.logSize);
      }
    }
    if (t.number >= s.lastChange.length) {
      s.lastChange = Arrays.copyOf(s.lastChange, Math.max(t.number + 1, 2 * s.lastChange.length));
    }
    s.lastChange[t.number] = s.logSize;
    s.log[s.logSize++] = t.number;
  }

  /** See {@link io.nemospawn.hpo.StudyStorage#changesSince}. */
  StudyStorage.Changes changesSince(String study, StudyStorage.@Nullable Changes previous) {
    StudyData s = study(study);
    if (previous == null || previous.source() != s.logSource || previous.version() > s.logSize) {
      return new StudyStorage.Changes(s.logSource, s.logSize, trials(study), true);
    }
    List<FrozenTrial> out = new ArrayList<>();
    for (int i = (int) previous.version(); i < s.logSize; i++) {
      int n = s.log[i];
      if (s.lastChange[n] == i) {
        out.add(s.trials.get(n).freeze());
      }
    }
    return new StudyStorage.Changes(s.logSource, s.logSize, out, false);
  }

  void createStudy(String study, Direction direction, Map<String, String> attrs) {
    if (studies.containsKey(study)) {
      throw new IllegalStateException(
          "Study '" + study + "' already exists; load it instead of creating it.");
    }
    StudyData s = new StudyData(study, direction);
    s.userAttrs.putAll(attrs);
    studies.put(study, s);
  }

  Optional<StudyInfo> findStudy(String study) {
    StudyData s = studies.get(study);
    return s == null
        ? Optional.empty()
        : Optional.of(new StudyInfo(s.name, s.direction, s.userAttrs));
  }

  List<String> studyNames() {
    return List.copyOf(studies.keySet());
  }

  void setStudyUserAttr(String study, String key, String json) {
    study(study).userAttrs.put(key, json);
  }

  int nextNumber(String study, int maxTrials) {
    StudyData s = study(study);
    if (maxTrials > 0 && s.trials.size() >= maxTrials) {
      throw new IllegalStateException("Study '" + study + "' has reached max_trials = " + maxTrials
          + " (" + s.trials.size() + " trials); raise max_trials or start a new study.");
    }
    return s.trials.size();
  }

  int createTrial(String study, int maxTrials, Instant start) {
    int n = nextNumber(study, maxTrials);
    StudyData s = study(study);
    TrialData t = new TrialData(n, start);
    s.trials.add(t);
    changed(s, t);
    return n;
  }

  void setParams(
      String study, int number, Map<String, Distribution> dists, Map<String, Double> internal) {
    TrialData t = running(study, number, "set parameters of");
    for (var e : internal.entrySet()) {
      Distribution d = dists.get(e.getKey());
      if (d == null || !d.contains(e.getValue())) {
        throw new IllegalArgumentException("Parameter '" + e.getKey() + "' = " + e.getValue()
            + " is not in its distribution " + d + ".");
      }
      Distribution old = t.distributions.get(e.getKey());
      if (old != null && !old.equals(d)) {
        throw new IllegalArgumentException("Parameter '" + e.getKey() + "' of trial " + number
            + " was already set with " + old + "; it cannot change to " + d + ".");
      }
    }
    for (var e : internal.entrySet()) {
      t.distributions.put(e.getKey(), dists.get(e.getKey()));
      t.params.put(e.getKey(), e.getValue());
    }
    changed(study(study), t);
  }

  void report(String study, int number, int step, double value) {
    if (step < 0) {
      throw new IllegalArgumentException("Step " + step + " is negative; steps start at 0.");
    }
    TrialData t = running(study, number, "report into");
    t.intermediate.put(step, value);
    changed(study(study), t);
  }

  void setTrialAttr(String study, int number, String key, String json, boolean system) {
    TrialData t = trial(study, number);
    (system ? t.systemAttrs : t.userAttrs).put(key, json);
    changed(study(study), t);
  }

  void finish(String study, int number, TrialState state, double value, Instant end) {
    if (!state.isFinished()) {
      throw new IllegalArgumentException(
          "Cannot finish trial " + number + " as " + state + ": use COMPLETE, PRUNED or FAIL.");
    }
    TrialData t = running(study, number, "finish");
    if (state == TrialState.COMPLETE && Double.isNaN(value)) {
      state = TrialState.FAIL;
    }
    if (state == TrialState.PRUNED && Double.isNaN(value) && !t.intermediate.isEmpty()) {
      double last = t.intermediate.lastEntry().getValue();
      value = Double.isFinite(last) ? last : Double.NaN;
    }
    t.state = state;
    t.value = state == TrialState.FAIL ? Double.NaN : value;
    t.complete = end;
    changed(study(study), t);
  }

  List<FrozenTrial> trials(String study) {
    StudyData s = study(study);
    if (s.snapshot == null) {
      int n = s.trials.size();
      FrozenTrial[] prev = s.lastFrozen;
      FrozenTrial[] out;
      if (prev != null
          && s.lastFrozenSource == s.logSource
          && s.logSize - s.lastFrozenVersion <= n / 4) {
        out = Arrays.copyOf(prev, n);
        for (int i = s.lastFrozenVersion; i < s.logSize; i++) {
          int k = s.log[i];
          out[k] = s.trials.get(k).freeze();
        }
      } else {
        out = new FrozenTrial[n];
        for (int k = 0; k < n; k++) {
          out[k] = s.trials.get(k).freeze();
        }
      }
      s.lastFrozen = out;
      s.lastFrozenSource = s.logSource;
      s.lastFrozenVersion = s.logSize;
      // List.of copies the array (one arraycopy) into the JDK's immutable list, which List.copyOf
      // (SamplerContext, callers) hands back as it is instead of copying again
      s.snapshot = List.of(out);
    }
    return s.snapshot;
  }
}
