package io.nemospawn.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a launch: tasks finished, the HPO study's trials, the best configuration, the
 * promoted artifact, GPU-hours, and where the state lives. Immutable.
 *
 * @param teamId the team
 * @param template the template launched
 * @param elapsed time from start to now (or to the end)
 * @param tasksDone tasks done
 * @param tasksFailed tasks failed or cancelled
 * @param tasksTotal tasks in the DAG
 * @param study the HPO study report, or an empty one when the template has no study
 * @param promotedArtifactId the promoted checkpoint's id, or an empty string
 * @param promotedArtifactPath its path, or null
 * @param promotedValLoss its validation loss, or NaN
 * @param gpuHours GPUs held by agents × time held, in hours (0 without GPUs)
 * @param stateDir the team's directory
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record LaunchSummary(
    String teamId,
    String template,
    Duration elapsed,
    int tasksDone,
    int tasksFailed,
    int tasksTotal,
    StudyReport study,
    String promotedArtifactId,
    @Nullable Path promotedArtifactPath,
    double promotedValLoss,
    double gpuHours,
    Path stateDir) {
  /** Validates. */
  public LaunchSummary {
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(study, "study");
    promotedArtifactId = promotedArtifactId == null ? "" : promotedArtifactId;
    Objects.requireNonNull(stateDir, "stateDir");
  }

  /** Returns whether every task finished done. */
  public boolean succeeded() {
    return tasksDone == tasksTotal && tasksFailed == 0;
  }

  /** Returns the summary as the lines {@code launch run} prints at the end. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append("Summary of team ")
        .append(teamId)
        .append(" (template ")
        .append(template)
        .append("), ")
        .append(seconds(elapsed))
        .append('\n');
    b.append("  tasks:      ").append(tasksDone).append('/').append(tasksTotal).append(" done");
    if (tasksFailed > 0) {
      b.append(", ").append(tasksFailed).append(" failed");
    }
    b.append('\n');
    if (study.trials() > 0) {
      b.append("  trials:     ")
          .append(study.trials())
          .append(" run, ")
          .append(study.complete())
          .append(" completed, ")
          .append(study.pruned())
          .append(" pruned");
      if (study.failed() > 0) {
        b.append(", ").append(study.failed()).append(" failed");
      }
      b.append(" (study ").append(study.study()).append(")\n");
      if (study.bestTrial() >= 0) {
        b.append("  best:       val_loss ")
            .append(fmt(study.bestValue()))
            .append(" (trial ")
            .append(study.bestTrial())
            .append(") with ")
            .append(params(study.bestParams()))
            .append('\n');
      }
      if (study.startupTrials() > 0 && study.trials() > study.startupTrials()) {
        b.append("  TPE:        first ")
            .append(study.startupTrials())
            .append(" trials random, then modelled; best ")
            .append(fmt(study.bestStartupValue()))
            .append(" -> ")
            .append(fmt(study.bestModelledValue()));
        if (study.earlyStep() > 0) {
          b.append(", median val_loss at epoch ")
              .append(study.earlyStep())
              .append(' ')
              .append(fmt(study.startupMedianEarly()))
              .append(" -> ")
              .append(fmt(study.modelledMedianEarly()));
        }
        b.append('\n');
      }
    }
    if (!promotedArtifactId.isEmpty()) {
      b.append("  promoted:   ")
          .append(promotedArtifactId)
          .append(" val_loss ")
          .append(fmt(promotedValLoss))
          .append(" at ")
          .append(promotedArtifactPath)
          .append('\n');
    } else {
      b.append("  promoted:   none\n");
    }
    b.append("  GPU-hours:  ")
        .append(String.format(java.util.Locale.ROOT, "%.3f", gpuHours))
        .append('\n');
    b.append("  state:      ").append(stateDir).append('\n');
    return b.toString();
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.4f", v);
  }

  private static String params(Map<String, Object> p) {
    StringBuilder b = new StringBuilder();
    p.forEach((k, v) -> {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(k).append('=');
      if (v instanceof Double d) {
        b.append(String.format(java.util.Locale.ROOT, "%.4g", d));
      } else {
        b.append(v);
      }
    });
    return b.toString();
  }
}
