package io.nemospawn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A loopback TCP proxy in front of a real server (the test sshd), which a test can {@linkplain
 * #cut() cut} (every connection closed, nothing listening: the host is unreachable) and {@linkplain
 * #restore() restore} on the same port, without touching the shared server behind it.
 */
final class TcpProxy implements AutoCloseable {
  private final String host;
  private final int targetPort;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile @Nullable ServerSocket server;

  private TcpProxy(String host, int targetPort) throws IOException {
    this.host = host;
    this.targetPort = targetPort;
    ServerSocket s = listen(0);
    this.port = s.getLocalPort();
    serve(s);
  }

  /** Starts a proxy on a free loopback port to {@code host:port}. */
  static TcpProxy to(String host, int port) throws IOException {
    return new TcpProxy(host, port);
  }

  int port() {
    return port;
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    return s;
  }

  private void serve(ServerSocket s) {
    server = s;
    Thread t = new Thread(
        () -> {
          while (!s.isClosed()) {
            try {
              Socket in = s.accept();
              Socket out = new Socket(host, targetPort);
              open.add(in);
              open.add(out);
              pump(in, out);
              pump(out, in);
            } catch (IOException e) {
              // Closed by cut(): stop accepting.
            }
          }
        },
        "tcp-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(
        () -> {
          try (InputStream in = from.getInputStream();
              OutputStream out = to.getOutputStream()) {
            byte[] buf = new byte[16384];
            for (int n; (n = in.read(buf)) >= 0; ) {
              out.write(buf, 0, n);
              out.flush();
            }
          } catch (IOException e) {
            // One side closed.
          } finally {
            close(from);
            close(to);
          }
        },
        "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void close(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // Closing.
    }
  }

  /** Closes every connection and stops listening: the host behind is unreachable through it. */
  void cut() throws IOException {
    ServerSocket s = server;
    if (s != null) {
      s.close();
    }
    server = null;
    for (Socket c : Set.copyOf(open)) {
      close(c);
    }
  }

  /** Listens again on the same port. */
  void restore() throws IOException {
    serve(listen(port));
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
