package io.nemospawn.board;

import io.nemospawn.StateException;
import io.nemospawn.Team;
import io.nemospawn.board.internal.BoardHttp;
import io.nemospawn.state.AccessKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The web board of a team: a kanban of the task DAG, the agents, the inbox feed, plans to approve
 * or reject, artifacts ranked by validation loss, GPU utilisation and the team's HPO studies, kept
 * live by Server-Sent Events fed by one {@link Team#subscribe} subscription. Binds 127.0.0.1 by
 * default; changes need an {@linkplain AccessKeys access key}. Close it to stop serving.
 *
 * <pre>{@code
 * try (BoardServer board = BoardServer.start(team, BoardOptions.builder().port(0).build())) {
 *   System.out.println("Board at " + board.uri());
 *   ...
 * }
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class BoardServer implements AutoCloseable {
  private final BoardHttp http;

  private BoardServer(BoardHttp http) {
    this.http = http;
  }

  /**
   * Serves a team's board. The team must stay open while the board runs.
   *
   * @throws IllegalArgumentException when the host cannot be resolved, or is not a loopback
   *     address and the options hold no access key
   * @throws UncheckedIOException when the port cannot be bound (in use, or not permitted)
   */
  public static BoardServer start(Team team, BoardOptions options) {
    Objects.requireNonNull(team, "team");
    Objects.requireNonNull(options, "options");
    Path dataDir = options.dataDir() != null ? options.dataDir() : dataDirOf(team);
    try {
      return new BoardServer(BoardHttp.team(team, dataDir, options));
    } catch (IOException e) {
      throw bindFailure(options, e);
    }
  }

  /**
   * Serves HPO studies on their own: optimisation history, intermediate values with pruned
   * trials and parameter importance ({@code nemospawn hpo dashboard}).
   *
   * @throws IllegalArgumentException when a study does not exist under {@code dataDir}, the host
   *     cannot be resolved, or it is not a loopback address and the options hold no access key
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static BoardServer startStudies(Path dataDir, List<String> studies, BoardOptions options) {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(studies, "studies");
    Objects.requireNonNull(options, "options");
    try {
      return new BoardServer(BoardHttp.studies(dataDir, studies, options));
    } catch (IOException e) {
      throw bindFailure(options, e);
    }
  }

  private static UncheckedIOException bindFailure(BoardOptions options, IOException e) {
    return new UncheckedIOException(
        "Cannot serve the board on " + options.host() + ":" + options.port() + ": " + e.getMessage()
            + ". Choose another port (0 picks a free one).",
        e);
  }

  private static Path dataDirOf(Team team) {
    Path dir = team.dir().toAbsolutePath();
    Path parent = dir.getParent();
    if (parent == null || parent.getParent() == null) {
      throw new StateException(
          dir,
          "Cannot find the data directory of team directory " + dir
              + "; give the board options a dataDir");
    }
    return Objects.requireNonNull(parent.getParent());
  }

  /** Returns the address the board listens on (the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return http.address();
  }

  /** Returns the board's URL, such as {@code http://127.0.0.1:8080/}. */
  public URI uri() {
    InetSocketAddress a = http.address();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort() + "/");
  }

  /** Returns the live-update clients connected now. */
  public int clients() {
    return http.hub().clients();
  }

  /** Returns the live-update clients dropped so far for falling behind. */
  public long droppedClients() {
    return http.hub().droppedClients();
  }

  /** Returns the board as the page first reads it ({@code GET /api/board}), read now. */
  public Map<String, Object> snapshot() {
    return http.board();
  }

  BoardHttp http() {
    return http;
  }

  /** Stops serving: ends every stream, unsubscribes and frees the port. Idempotent. */
  @Override
  public void close() {
    http.close();
  }

  @Override
  public String toString() {
    return "BoardServer[" + uri() + "]";
  }
}
