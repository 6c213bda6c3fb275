package io.nemospawn.board;

import io.nemospawn.board.internal.WebBridge;
import io.nemospawn.board.internal.WebHttp;
import io.nemospawn.state.AccessKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The web console of a control plane ({@code nemospawn web}): launch swarms, talk to their agents
 * in Codeswarm's routing syntax, answer command approvals, run projects and watch the spend, in a
 * browser. The browser speaks HTTP and Server-Sent Events; the console bridges them to the control
 * plane's {@code codeswarm.router.v1} through the public {@code RouterClient}: one connection reads
 * every event (the page's state is derived from them, resumable by sequence number), and each
 * command goes with the logged-in person's own key, so the control plane checks their role and
 * audits them. Serves loopback only; changes need a key and the board's CSRF rules.
 *
 * <pre>{@code
 * try (WebConsole web = WebConsole.start(URI.create("tcp://127.0.0.1:8765"), bridgeKey,
 *     AccessKeys.of(dataDir), "127.0.0.1", 8080)) {
 *   System.out.println("Console at " + web.uri());
 * }
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class WebConsole implements AutoCloseable {
  private final WebBridge bridge;
  private final WebHttp http;

  private WebConsole(WebBridge bridge, WebHttp http) {
    this.bridge = bridge;
    this.http = http;
  }

  /**
   * Starts the console.
   *
   * @param controlPlane the control plane, {@code tcp://HOST:PORT}
   * @param bridgeKey a key the control plane accepts, for reading its events
   * @param keys the keys people log in with (the control plane's key store)
   * @param host a loopback address
   * @param port the port, 0 for any free one
   * @throws IllegalArgumentException when the host is not loopback
   * @throws IllegalStateException when the control plane refuses the key
   * @throws UncheckedIOException when the control plane cannot be reached or the port bound
   */
  public static WebConsole start(
      URI controlPlane, String bridgeKey, AccessKeys keys, String host, int port) {
    Objects.requireNonNull(keys, "keys");
    WebBridge bridge = new WebBridge(controlPlane, bridgeKey);
    try {
      return new WebConsole(
          bridge, new WebHttp(bridge, keys, host, port, 64, Duration.ofSeconds(15)));
    } catch (IOException e) {
      bridge.close();
      throw new UncheckedIOException(
          "Cannot serve the web console on " + host + ":" + port + ": " + e.getMessage()
              + "; choose another port (0 picks a free one)",
          e);
    } catch (RuntimeException e) {
      bridge.close();
      throw e;
    }
  }

  /** Returns the address the console listens on. */
  public InetSocketAddress address() {
    return http.address();
  }

  /** Returns the page's URL. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + http.address().getPort() + "/");
  }

  /** Returns the newest control-plane sequence number the console has. */
  public long lastSeq() {
    return bridge.lastSeq();
  }

  /** Returns the live event streams (pages) now. */
  public int clients() {
    return http.clients();
  }

  /** Stops serving and closes the bridge; the control plane keeps running. Idempotent. */
  @Override
  public void close() {
    http.close();
    bridge.close();
  }

  @Override
  public String toString() {
    return "WebConsole[" + uri() + "]";
  }
}
