package io.nemospawn.examples;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.launch.Launch;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.LaunchSummary;
import io.nemospawn.launch.Launcher;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs the autoresearch team from Java: a data-prep agent, two trainers sharing one TPE + ASHA
 * study, an evaluator and a leader, all built-in demo agents running as processes. The same as
 * {@code nemospawn launch run autoresearch --agent-cmd demo --runtime process}.
 *
 * <pre>{@code
 * java -cp <class path> io.nemospawn.examples.AutoresearchExample [DATA_DIR]
 * }</pre>
 */
public final class AutoresearchExample {
  private AutoresearchExample() {}

  /** Runs the example in {@code args[0]}, else in the default data directory. */
  public static void main(String[] args) throws InterruptedException {
    Path dataDir = args.length > 0 ? Path.of(args[0]) : NemoSpawn.defaultDataDir();
    LaunchSummary summary = run(dataDir, System.out);
    if (!summary.succeeded()) {
      throw new IllegalStateException("The team did not finish every task: " + summary);
    }
  }

  /** Launches the team in a data directory, prints progress, and returns the summary. */
  public static LaunchSummary run(Path dataDir, PrintStream out) throws InterruptedException {
    try (NemoSpawn ns = NemoSpawn.open(dataDir)) {
      Launcher launcher = Launcher.of(ns);
      LaunchPlan plan = launcher.plan(
          launcher.template("autoresearch"),
          LaunchOptions.builder()
              .agentCommand(LaunchOptions.DEMO)
              .runtime("process")
              .goal("Find the hyperparameters of the spiral classifier with the lowest val_loss")
              .build());
      out.print(plan.toText());
      try (Launch launch = launcher.start(plan);
          Subscription progress = launch.onProgress(p -> out.println(p.toText()))) {
        if (!launch.awaitFinished(Duration.ofMinutes(10))) {
          out.println("Timed out; stopping the agents.");
        }
        LaunchSummary summary = launch.summary();
        out.print(summary.toText());
        return summary;
      }
    }
  }
}
