package io.nemospawn.demo.internal;

import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.launch.StudyBridge;
import io.nemospawn.launch.StudyReport;
import java.nio.file.Path;
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
          best == null ? -1 : best.number(),
          best == null ? Double.NaN : best.rawValue(),
          best == null ? Map.of() : best.params());
    }
  }

  private static double better(Study s, double current, double v) {
    if (Double.isNaN(v)) {
      return current;
    }
    return Double.isNaN(current) || s.direction().isBetter(v, current) ? v : current;
  }
}
