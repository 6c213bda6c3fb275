package io.nemospawn.demo.internal;

import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.launch.StudyBridge;
import io.nemospawn.launch.StudyReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Connects launches to nemospawn-hpo: validates a template's {@code [hpo]} section with the HPO
 * module's own TOML parser, creates the team's study under the data directory (journal or SQLite
 * storage, as the class path offers) and reports on it. Stateless and thread-safe.
 */
public final class HpoStudyBridge implements StudyBridge {
  /** Random trials TPE draws before it models (Optuna 3.1's default, ours too). */
  static final int TPE_STARTUP_TRIALS = 10;

  @Override
  public void validate(String toml, String source) {
    HpoConfig.parse(toml, source);
  }

  @Override
  public void create(Path dataDir, String study, String toml, String source) {
    try (Study s = Hpo.create(dataDir, study, HpoConfig.parse(toml, source))) {
      // created; the agents open it by name
    }
  }

  @Override
  public StudyReport report(Path dataDir, String study) {
    try (Study s = Hpo.open(dataDir, study)) {
      int startup = Hpo.config(s)
          .map(c -> c.sampler().equals("tpe") ? TPE_STARTUP_TRIALS : 0)
          .orElse(TPE_STARTUP_TRIALS);
      int complete = 0;
      int pruned = 0;
      int failed = 0;
      double bestStartup = Double.NaN;
      double bestModelled = Double.NaN;
      for (FrozenTrial t : s.trials()) {
        if (t.state() == TrialState.COMPLETE) {
          complete++;
          double v = t.rawValue();
          if (t.number() < startup) {
            bestStartup = better(s, bestStartup, v);
          } else {
            bestModelled = better(s, bestModelled, v);
          }
        } else if (t.state() == TrialState.PRUNED) {
          pruned++;
        } else if (t.state() == TrialState.FAIL) {
          failed++;
        }
      }
      int early = Integer.MAX_VALUE;
      for (FrozenTrial t : s.trials()) {
        if ((t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED)
            && t.lastStep().isPresent()) {
          early = Math.min(early, t.lastStep().getAsInt());
        }
      }
      List<Double> startupEarly = new ArrayList<>();
      List<Double> modelledEarly = new ArrayList<>();
      if (early != Integer.MAX_VALUE) {
        for (FrozenTrial t : s.trials()) {
          Double v = t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED
              ? t.intermediateValues().get(early)
              : null;
          if (v != null && !v.isNaN()) {
            (t.number() < startup ? startupEarly : modelledEarly).add(v);
          }
        }
      } else {
        early = 0;
      }
      FrozenTrial best = s.findBestTrial().orElse(null);
      return new StudyReport(
          study,
          s.trials().size(),
          complete,
          pruned,
          failed,
          startup,
          bestStartup,
          bestModelled,
          early,
          median(startupEarly),
          median(modelledEarly),
          best == null ? -1 : best.number(),
          best == null ? Double.NaN : best.rawValue(),
          best == null ? Map.of() : best.params());
    }
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  private static double better(Study s, double current, double v) {
    if (Double.isNaN(v)) {
      return current;
    }
    return Double.isNaN(current) || s.direction().isBetter(v, current) ? v : current;
  }
}
