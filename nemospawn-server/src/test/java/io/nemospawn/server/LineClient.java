package io.nemospawn.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A raw NDJSON test client on a real loopback socket. */
final class LineClient implements AutoCloseable {
  final Socket socket;
  private final BufferedReader in;
  private final OutputStream out;

  LineClient(int port) throws IOException {
    this(port, -1);
  }

  /** A client whose socket receive buffer is set before it connects (-1: the system's). */
  LineClient(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(10_000);
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    out = socket.getOutputStream();
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void sendLine(String line) throws IOException {
    sendRaw((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  String command(String protocol, String name, ObjectNode payload) throws IOException {
    String id = UUID.randomUUID().toString();
    ObjectNode n = Wire.MAPPER.createObjectNode();
    n.put("protocol", protocol);
    n.put("type", "command");
    n.put("command", name);
    n.put("request_id", id);
    n.set("payload", payload);
    sendLine(Wire.MAPPER.writeValueAsString(n));
    return id;
  }

  JsonNode hello(String protocol, @Nullable String key, long since) throws IOException {
    ObjectNode p = Wire.MAPPER.createObjectNode();
    if (key != null) {
      p.put("key", key);
    }
    if (since >= 0) {
      p.put("since", since);
    }
    String id = command(protocol, "hello", p);
    return until(n -> id.equals(n.path("data").path("request_id").asString(null)));
  }

  @Nullable
  JsonNode next() throws IOException {
    String line = in.readLine();
    return line == null ? null : Wire.MAPPER.readTree(line);
  }

  JsonNode until(Predicate<JsonNode> p) throws IOException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < end) {
      JsonNode n = next();
      if (n == null) {
        throw new IOException("connection closed before the expected event");
      }
      if (p.test(n)) {
        return n;
      }
    }
    throw new IOException("timed out waiting for an event");
  }

  JsonNode reply(String requestId) throws IOException {
    return until(n -> requestId.equals(n.path("data").path("request_id").asString(null)));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
