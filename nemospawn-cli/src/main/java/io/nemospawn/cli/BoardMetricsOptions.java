package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.board.metrics.GrafanaDashboard;
import io.nemospawn.board.metrics.GrafanaException;
import io.nemospawn.board.metrics.MetricsExporter;
import io.nemospawn.board.metrics.TeamMetrics;
import io.nemospawn.spi.Environment;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The metrics options of {@code board serve}: the Prometheus exporter's port and the Grafana
 * dashboard upload. Seam between the web board (which declares this mixin and calls {@link #start})
 * and the metrics work (nemospawn-board's {@code io.nemospawn.board.metrics}), which this only
 * wires.
 */
final class BoardMetricsOptions {
  /** The environment variable holding the Grafana API key (preferred to the command line). */
  static final String GRAFANA_KEY_ENV = "GRAFANA_API_KEY";

  /** The environment variable holding the exporter's bearer token. */
  static final String METRICS_TOKEN_ENV = "NEMOSPAWN_METRICS_TOKEN";

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--metrics-port",
      defaultValue = "9090",
      description =
          "Port of the Prometheus exporter (/metrics); 0 turns it off. Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(
      names = "--metrics-token-file",
      paramLabel = "FILE",
      description = "File (mode 0600) holding the bearer token Prometheus must send; needed when"
          + " the board binds beyond loopback (or set $" + METRICS_TOKEN_ENV + ").")
  Path metricsTokenFile;

  @Option(
      names = "--grafana-url",
      paramLabel = "URL",
      description = "Grafana to upload the team's dashboard to, such as http://127.0.0.1:3000.")
  String grafanaUrl;

  @Option(
      names = "--grafana-key",
      paramLabel = "KEY",
      description = "Grafana API key (1.0 form; other users see it in `ps`: prefer $"
          + GRAFANA_KEY_ENV + " or --grafana-key-file).")
  String grafanaKey;

  @Option(
      names = "--grafana-key-file",
      paramLabel = "FILE",
      description = "File (mode 0600) holding the Grafana API key.")
  Path grafanaKeyFile;

  /**
   * Starts what these options ask for, bound to {@code host}, next to the board: the exporter
   * (unless the port is 0), then the dashboard upload when a Grafana URL is given. A failed upload
   * is a warning and the board carries on; closing the result stops the exporter.
   *
   * @throws ParameterException for a malformed Grafana URL or no Grafana key, before anything starts
   * @throws IllegalArgumentException when {@code host} is not loopback and no metrics token is set
   */
  AutoCloseable start(Team team, String host, Output out) {
    URI grafana = null;
    String key = null;
    if (grafanaUrl != null) {
      try {
        grafana = GrafanaDashboard.parseUrl(grafanaUrl);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--grafana-url: " + e.getMessage());
      }
      key = grafanaKey(out);
    }
    MetricsExporter exporter = null;
    if (metricsPort != 0) {
      TeamMetrics.Builder m = TeamMetrics.builder(team);
      io.nemospawn.board.CostSource cost = BoardCosts.of(team);
      if (cost != null) {
        m.cost(cost);
      }
      MetricsExporter.Builder b = MetricsExporter.builder(m.build()).host(host).port(metricsPort);
      String token = metricsToken();
      if (token != null) {
        b.bearerToken(token);
      }
      exporter = b.start();
      out.println("Metrics: " + exporter.uri()
          + (token == null ? "" : " (requests need Authorization: Bearer <token>)"));
    }
    if (grafana != null && key != null) {
      try {
        GrafanaDashboard.Upload u =
            GrafanaDashboard.upload(grafana, key, team.id(), Duration.ofSeconds(15));
        String base = grafana.toString().replaceAll("/+$", "");
        out.println("Grafana dashboard: " + base + u.url());
      } catch (GrafanaException e) {
        out.err().println("warning: the dashboard was not uploaded: " + e.getMessage());
        out.err().flush();
      }
    }
    MetricsExporter started = exporter;
    return () -> {
      if (started != null) {
        started.close();
      }
    };
  }

  /** The Grafana key: --grafana-key (with a warning), else $GRAFANA_API_KEY, else the key file. */
  private String grafanaKey(Output out) {
    if (grafanaKey != null && !grafanaKey.isEmpty()) {
      out.err()
          .println("warning: --grafana-key puts the key on the command line, where other"
              + " users see it in `ps`; set $" + GRAFANA_KEY_ENV + " or use --grafana-key-file");
      out.err().flush();
      return grafanaKey;
    }
    String env = Environment.get(GRAFANA_KEY_ENV);
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    if (grafanaKeyFile != null) {
      return secretFile(grafanaKeyFile, "--grafana-key-file");
    }
    throw new ParameterException(
        spec.commandLine(),
        "--grafana-url needs a Grafana API key: set $" + GRAFANA_KEY_ENV
            + ", or give --grafana-key-file FILE (mode 0600), or --grafana-key KEY");
  }

  private @Nullable String metricsToken() {
    if (metricsTokenFile != null) {
      return secretFile(metricsTokenFile, "--metrics-token-file");
    }
    String env = Environment.get(METRICS_TOKEN_ENV);
    return env == null || env.isBlank() ? null : env.strip();
  }

  /** Reads a secret from a file only its owner can read, as ssh does with keys. */
  private String secretFile(Path file, String option) {
    Path f = Environment.resolve(file);
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(f);
      if (mode.contains(PosixFilePermission.GROUP_READ)
          || mode.contains(PosixFilePermission.OTHERS_READ)) {
        throw new ParameterException(
            spec.commandLine(),
            option + ": " + f + " is readable by other users; make it private with: chmod 600 "
                + f);
      }
      String s = Files.readString(f, StandardCharsets.UTF_8).strip();
      if (s.isEmpty()) {
        throw new ParameterException(spec.commandLine(), option + ": " + f + " is empty");
      }
      return s;
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), option + ": cannot read " + f + ": " + e);
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: no mode to check.
      try {
        return Files.readString(f, StandardCharsets.UTF_8).strip();
      } catch (IOException io) {
        throw new ParameterException(spec.commandLine(), option + ": cannot read " + f + ": " + io);
      }
    }
  }
}
