package io.nemospawn.server.codeswarm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A Codeswarm-style test client: raw NDJSON lines over a loopback socket; keeps every event. */
final class RouterClient implements AutoCloseable {
  static final JsonMapper M = JsonMapper.builder().build();
  final Socket socket;
  final OutputStream out;
  final LinkedBlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
  final List<JsonNode> seen = new ArrayList<>();
  final List<String> sent = new ArrayList<>();

  RouterClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    out = socket.getOutputStream();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          inbox.add(M.readTree(line));
        }
      } catch (IOException e) {
        // closed
      }
    });
    t.setDaemon(true);
    t.start();
  }

  String send(String command, ObjectNode payload) throws IOException {
    String rid = UUID.randomUUID().toString();
    ObjectNode c = M.createObjectNode()
        .put("protocol", "codeswarm.router.v1")
        .put("type", "command")
        .put("command", command)
        .put("request_id", rid);
    c.set("payload", payload);
    String line = M.writeValueAsString(c);
    sent.add(line);
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    return rid;
  }

  /** Waits for the next event matching {@code p}, keeping every event read. */
  JsonNode await(Predicate<JsonNode> p, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    for (JsonNode n : seen) {
      if (p.test(n) && !n.path("_taken").asBoolean()) {
        ((ObjectNode) n).put("_taken", true);
        return n;
      }
    }
    while (System.nanoTime() < end) {
      JsonNode n = inbox.poll(50, TimeUnit.MILLISECONDS);
      if (n == null) {
        continue;
      }
      seen.add(n);
      if (p.test(n)) {
        ((ObjectNode) n).put("_taken", true);
        return n;
      }
    }
    throw new AssertionError("no matching event within " + timeout + "; seen: " + names());
  }

  JsonNode await(String event, String requestId) throws InterruptedException {
    return await(
        n -> n.path("event").asString().equals(event)
            && n.path("data").path("request_id").asString().equals(requestId),
        Duration.ofSeconds(90));
  }

  JsonNode awaitEvent(String event, Predicate<JsonNode> data) throws InterruptedException {
    return await(
        n -> n.path("event").asString().equals(event) && data.test(n.path("data")),
        Duration.ofSeconds(90));
  }

  List<String> names() {
    return seen.stream().map(n -> n.path("event").asString()).toList();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
