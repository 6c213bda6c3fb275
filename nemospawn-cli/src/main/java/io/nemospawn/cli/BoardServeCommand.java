package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.board.BoardOptions;
import io.nemospawn.board.BoardServer;
import io.nemospawn.board.CostSource;
import io.nemospawn.state.AccessKeys;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nemospawn board serve TEAM_ID [--host H] [--port P]}: the web board, live through
 * Server-Sent Events, until Ctrl-C. Creates the data directory's access key on first use and
 * prints it once.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the team's web board (tasks, agents, inbox, plans, artifacts, GPUs, HPO, cost), live"
          + " through Server-Sent Events, until Ctrl-C.",
      "Binds 127.0.0.1 unless --host says otherwise; off loopback every request needs an access"
          + " key. Approving plans, sending messages and approving shutdowns need a key: the"
          + " first serve generates one, prints it once and stores only its salted hash in"
          + " <data dir>/access-keys.json (add your own with `board key add`)."
    })
final class BoardServeCommand extends TeamArgSubcommand {
  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to bind (default: ${DEFAULT-VALUE}; others need an access key).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description =
          "Web UI port (default: ${DEFAULT-VALUE}, as NemoSpawn 1.0; 0 picks a free one).")
  int port;

  @Mixin
  BoardMetricsOptions metrics;

  @Override
  int run(Team t) throws Exception {
    AccessKeys keys = AccessKeys.of(state.dataDir());
    Optional<String> created = keys.generateIfEmpty();
    BoardOptions.Builder builder =
        BoardOptions.builder().host(host).port(port).keys(keys).dataDir(state.dataDir());
    CostSource cost = BoardCosts.of(t);
    if (cost != null) {
      builder.cost(cost);
    }
    BoardOptions options = builder.build();
    try (BoardServer board = BoardServer.start(t, options);
        AutoCloseable extra = metrics.start(t, host, out)) {
      if (created.isPresent()) {
        out.println("Access key for changes on the board (shown once; only its hash is stored in "
            + keys.file() + "): " + created.get());
      }
      out.println("Board of team " + t.id() + " at " + board.uri() + " (Ctrl-C stops it)");
      UntilStopped.await("nemospawn-board-shutdown");
    }
    return ExitCodes.OK;
  }
}
