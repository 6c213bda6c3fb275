package io.nemospawn.cli;

import io.nemospawn.Team;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The metrics options of {@code board serve}: the Prometheus exporter's port and the Grafana
 * dashboard upload. Seam between the web board (which declares this mixin and calls {@link #start})
 * and the metrics work, which owns this class.
 */
final class BoardMetricsOptions {
  @Option(
      names = "--metrics-port",
      defaultValue = "9090",
      description =
          "Port of the Prometheus exporter (/metrics); 0 turns it off. Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(names = "--grafana-url", description = "Grafana to upload the team's dashboard to.")
  @Nullable
  String grafanaUrl;

  @Option(
      names = "--grafana-key",
      description = "Grafana API key (1.0 form; prefer $GRAFANA_API_KEY).")
  @Nullable
  String grafanaKey;

  /**
   * Starts what these options ask for, bound to {@code host}, next to the board; closing the result
   * stops it. Placeholder until the metrics work lands: starts nothing.
   */
  AutoCloseable start(Team team, String host, Output out) {
    return () -> {};
  }
}
