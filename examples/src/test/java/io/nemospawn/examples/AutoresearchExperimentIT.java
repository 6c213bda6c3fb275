package io.nemospawn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.junit.NemoSpawnExtension;
import io.nemospawn.launch.Launch;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchSummary;
import io.nemospawn.launch.Launcher;
import io.nemospawn.launch.StudyReport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An experiment written as a JUnit 5 test: the extension gives a fresh data directory, the test
 * describes its team in TOML (the autoresearch pipeline with a smaller budget of 30 trials),
 * launches it with demo agents and states what the experiment must show.
 */
class AutoresearchExperimentIT {
  @RegisterExtension
  static final NemoSpawnExtension nemo =
      NemoSpawnExtension.builder().teamName("harness").build();

  static final String EXPERIMENT = """
      name = "tpe-vs-random"
      description = "Does TPE + ASHA beat its own random startup on the spiral classifier?"

      [[workers]]
      name = "data-prep"
      role = "data"
      task = "Prepare the data set."

      [[workers]]
      name = "trainer-1"
      role = "trainer"
      task = "Run trials of the study until it is full."
      blocked_by = ["data-prep"]

      [[workers]]
      name = "trainer-2"
      role = "trainer"
      task = "Run trials of the study until it is full."
      blocked_by = ["data-prep"]

      [[workers]]
      name = "evaluator"
      role = "evaluator"
      task = "Re-score the best checkpoints on held-out data."
      blocked_by = ["trainer-1", "trainer-2"]

      [hpo]
      study = "tpe-vs-random"

      [hpo.search_space]
      lr = { type = "loguniform", low = 1e-3, high = 3.0 }
      hidden = { type = "int", low = 2, high = 64, log = true }
      weight_decay = { type = "loguniform", low = 1e-6, high = 1e-1 }
      batch_size = { type = "categorical", choices = [16, 32, 64, 128, 256] }

      [hpo.budget]
      max_trials = 30
      min_steps_before_prune = 4
      """;

  @Test
  void tpeWithAshaFindsABetterModelThanItsRandomStartup(NemoSpawn ns) throws InterruptedException {
    Launcher launcher = Launcher.of(ns);
    var plan = launcher.plan(
        launcher.parse(EXPERIMENT, "AutoresearchExperimentIT"),
        LaunchOptions.builder().agentCommand("demo").runtime("process").build());
    LaunchSummary summary;
    try (Launch launch = launcher.start(plan)) {
      assertThat(launch.awaitFinished(Duration.ofMinutes(10))).isTrue();
      summary = launch.summary();
    }
    StudyReport study = summary.study();
    assertThat(summary.succeeded()).as(summary.toText()).isTrue();
    assertThat(study.pruned()).as("ASHA stopped weak trials early").isPositive();
    // 30 trials, not 20: with 10 modelled trials against 10 random ones, TPE's median lost about
    // one run in twelve (measured, 2026-12-04); with 20 modelled ones the worst of twelve runs
    // still won by 0.13.
    assertThat(study.modelledMedianEarly())
        .as(
            "median val_loss at epoch %d, TPE-modelled vs random startup trials: %s",
            study.earlyStep(), summary.toText())
        .isLessThan(study.startupMedianEarly());
    assertThat(study.trials()).isEqualTo(30);
    // The leader promotes the evaluator's pick: the best of the top checkpoints on held-out data.
    assertThat(summary.promotedArtifactId()).startsWith("art-");
    assertThat(summary.promotedValLoss()).isBetween(study.bestValue(), 0.5);
  }
}
