package io.nemospawn.cli;

import io.nemospawn.board.BoardOptions;
import io.nemospawn.board.BoardServer;
import io.nemospawn.state.AccessKeys;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nemospawn hpo dashboard --study S [--port 8081]}: the study's plots (optimisation
 * history, intermediate values with pruned trials, parameter importance) served by the board's
 * own server, live as trials report, until Ctrl-C. No Optuna needed.
 */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description = {
      "Serves a study's plots (optimisation history, intermediate values with pruned trials,"
          + " parameter importance), updated live, until Ctrl-C. Built in: no optuna-dashboard.",
      "Binds 127.0.0.1 unless --host says otherwise; off loopback it needs an access key"
          + " (`board key generate`)."
    })
final class HpoDashboardCommand implements Callable<Integer> {
  @Mixin
  Output out;

  @Mixin
  StateOptions data;

  @Option(names = "--study", required = true, description = "Study name.")
  String study;

  @Option(
      names = "--port",
      defaultValue = "8081",
      description = "Port (default: ${DEFAULT-VALUE}, as NemoSpawn 1.0; 0 picks a free one).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to bind (default: ${DEFAULT-VALUE}; others need an access key).")
  String host;

  @Override
  public Integer call() throws Exception {
    BoardOptions options = BoardOptions.builder()
        .host(host)
        .port(port)
        .keys(AccessKeys.of(data.dataDir()))
        .dataDir(data.dataDir())
        .build();
    try (BoardServer board = BoardServer.startStudies(data.dataDir(), List.of(study), options)) {
      out.println("Dashboard of study " + study + " at " + board.uri() + " (Ctrl-C stops it)");
      UntilStopped.await("nemospawn-hpo-dashboard-shutdown");
    }
    return ExitCodes.OK;
  }
}
