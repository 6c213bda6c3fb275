package io.nemospawn.server;

import io.nemospawn.StateException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code nemospawn.v1} connection of a Java client: one socket, a reader thread that hands
 * replies to waiting callers by request id and events to listeners, synchronized writes.
 */
final class Client implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Client.class);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private final URI url;
  private final Socket socket;
  private final OutputStream out;
  private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<Consumer<JsonNode>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private final JsonNode hello;
  private volatile boolean closed;

  private Client(URI url, Socket socket) throws IOException {
    this.url = url;
    this.socket = socket;
    this.out = socket.getOutputStream();
    Thread reader = new Thread(this::readLoop, "nemospawn-client-" + url.getPort());
    reader.setDaemon(true);
    reader.start();
    this.hello = Wire.MAPPER.createObjectNode();
  }

  /** Connects and says hello with the key; throws when the server refuses it. */
  static Client connect(URI url, String key) {
    if (!"tcp".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 0) {
      throw new IllegalArgumentException("Invalid control-plane URL '" + url
          + "'; use tcp://HOST:PORT, e.g. tcp://127.0.0.1:" + ControlPlane.DEFAULT_PORT);
    }
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 10_000);
      s.setTcpNoDelay(true);
      Client c = new Client(url, s);
      ObjectNode p = Wire.MAPPER.createObjectNode();
      p.put("key", key);
      JsonNode h = c.call("hello", p, Duration.ofSeconds(15));
      ((ObjectNode) c.hello).setAll((ObjectNode) h);
      return c;
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already failing
      }
      throw new UncheckedIOException(
          "Cannot connect to the control plane at " + url + ": " + e.getMessage()
              + "; is a control plane serving there?",
          e);
    } catch (RuntimeException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already failing
      }
      throw e;
    }
  }

  JsonNode helloData() {
    return hello;
  }

  URI url() {
    return url;
  }

  void onEvent(Consumer<JsonNode> listener) {
    listeners.add(listener);
  }

  void removeListener(Consumer<JsonNode> listener) {
    listeners.remove(listener);
  }

  /**
   * Sends a command and waits for its reply: the reply's data ({@code result} → its value; any
   * other event → its data); a rejection is thrown.
   */
  JsonNode call(String command, ObjectNode payload, Duration timeout) {
    String id = "j" + ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode n = Wire.MAPPER.createObjectNode();
    n.put("protocol", ControlPlane.NEMOSPAWN_V1);
    n.put("type", "command");
    n.put("command", command);
    n.put("request_id", id);
    n.set("payload", payload);
    byte[] line = Connection.encode(n);
    try {
      synchronized (out) {
        out.write(line);
        out.write('\n');
        out.flush();
      }
      JsonNode event = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      JsonNode data = event.path("data");
      if ("command_rejected".equals(event.path("event").asString(""))) {
        throw failure(data);
      }
      if ("result".equals(event.path("event").asString(""))) {
        return data.path("value");
      }
      return data;
    } catch (IOException e) {
      throw new UncheckedIOException("Lost the control plane at " + url + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for " + command, e);
    } catch (TimeoutException e) {
      throw new RemoteException(
          "timeout",
          "No reply to " + command + " from " + url + " within " + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new UncheckedIOException(
          "Lost the control plane at " + url + " while waiting for " + command,
          cause instanceof IOException io ? io : new IOException(String.valueOf(cause)));
    } finally {
      pending.remove(id);
    }
  }

  private static RuntimeException failure(JsonNode data) {
    String reason = data.path("reason").asString("rejected");
    String code = data.path("code").asString("failed");
    switch (data.path("error").asString("")) {
      case "not_found":
        return new NoSuchElementException(reason);
      case "invalid":
        return new IllegalArgumentException(reason);
      case "unsupported":
        return new UnsupportedOperationException(reason);
      case "state":
        return new IllegalStateException(reason);
      default:
        if (data.path("exception").asString("").equals("StateException")) {
          return new StateException(java.nio.file.Path.of("(remote)"), reason);
        }
        return new RemoteException(code, reason);
    }
  }

  private void readLoop() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode n;
        try {
          n = Wire.MAPPER.readTree(line);
        } catch (RuntimeException e) {
          LOG.warn("control plane {} sent an unreadable line: {}", url, e.toString());
          continue;
        }
        String rid = n.path("data").path("request_id").asString(null);
        CompletableFuture<JsonNode> f = rid == null ? null : pending.get(rid);
        if (f != null && n.path("seq").isMissingNode()) {
          f.complete(n);
          continue;
        }
        for (Consumer<JsonNode> l : listeners) {
          try {
            l.accept(n);
          } catch (RuntimeException e) {
            LOG.warn("control-plane event listener failed", e);
          }
        }
      }
    } catch (IOException e) {
      if (!closed) {
        LOG.debug("control plane {} connection ended: {}", url, e.toString());
      }
    } finally {
      IOException gone = new IOException("the connection to " + url + " closed");
      pending.values().forEach(f -> f.completeExceptionally(gone));
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing {}: {}", url, e.toString());
    }
  }

  static @Nullable String textOrNull(JsonNode n) {
    return n.isString() ? n.asString() : null;
  }
}
