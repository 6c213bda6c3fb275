package io.nemospawn.server.codeswarm;

import io.nemospawn.server.ControlPlane;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small blocking client of {@code codeswarm.router.v1} on a control plane: says hello with a key,
 * sends commands and reads the events that follow, one line at a time. Not thread-safe; one per
 * caller (the CLI's {@code nemospawn swarm} uses one per command).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class RouterClient implements AutoCloseable {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final Socket socket;
  private final BufferedReader in;
  private final OutputStream out;

  private RouterClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in =
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    this.out = socket.getOutputStream();
  }

  /**
   * Connects and authenticates.
   *
   * @param url {@code tcp://HOST:PORT}
   * @param key the access key, or null for a server in its insecure loopback mode
   * @return the connected client
   * @throws IllegalArgumentException when the URL is not {@code tcp://HOST:PORT}
   * @throws IllegalStateException when the server refuses the key
   * @throws UncheckedIOException when the server cannot be reached
   */
  public static RouterClient connect(URI url, @Nullable String key) {
    if (!"tcp".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 0) {
      throw new IllegalArgumentException("Invalid control-plane URL '" + url
          + "'; use tcp://HOST:PORT, e.g. tcp://127.0.0.1:" + ControlPlane.DEFAULT_PORT);
    }
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 10_000);
      s.setTcpNoDelay(true);
      RouterClient c = new RouterClient(s);
      ObjectNode p = MAPPER.createObjectNode();
      if (key != null) {
        p.put("key", key);
      }
      String id = c.send("hello", p);
      JsonNode hello = c.await(e -> id.equals(requestId(e)), Duration.ofSeconds(15));
      if (!"hello".equals(hello.path("event").asString(""))) {
        c.close();
        throw new IllegalStateException("The control plane at " + url + " refused the hello: "
            + hello.path("data").path("reason").asString("(no reason)"));
      }
      return c;
    } catch (IOException e) {
      closeQuietly(s);
      throw new UncheckedIOException(
          "Cannot connect to the control plane at " + url + ": " + e.getMessage()
              + "; is a control plane serving there?",
          e);
    }
  }

  /**
   * Sends one command.
   *
   * @param command e.g. {@code swarm_list}
   * @param payload its payload
   * @return the request id the replies carry
   */
  public String send(String command, ObjectNode payload) {
    String id = UUID.randomUUID().toString();
    ObjectNode n = MAPPER.createObjectNode();
    n.put("protocol", CodeswarmRouterHandler.PROTOCOL);
    n.put("type", "command");
    n.put("command", Objects.requireNonNull(command, "command"));
    n.put("request_id", id);
    n.set("payload", payload);
    try {
      out.write(MAPPER.writeValueAsBytes(n));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("Lost the control plane: " + e.getMessage(), e);
    }
    return id;
  }

  /**
   * Reads events until one matches.
   *
   * @param match which event to return
   * @param timeout how long to wait in all
   * @return the matching event ({@code protocol}, {@code event}, {@code data}, ...)
   * @throws IllegalStateException when none arrived in time or the server closed the connection
   */
  public JsonNode await(Predicate<JsonNode> match, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = Math.max(1, (end - System.nanoTime()) / 1_000_000);
        if (System.nanoTime() >= end) {
          throw new IllegalStateException(
              "No answer from the control plane within " + timeout.toSeconds() + " s");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        String line;
        try {
          line = in.readLine();
        } catch (SocketTimeoutException e) {
          continue;
        }
        if (line == null) {
          throw new IllegalStateException("The control plane closed the connection");
        }
        JsonNode event;
        try {
          event = MAPPER.readTree(line);
        } catch (JacksonException e) {
          continue; // not ours to judge: a newer server may send what we cannot read
        }
        if (match.test(event)) {
          return event;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Lost the control plane: " + e.getMessage(), e);
    }
  }

  /**
   * Sends a command and waits for its first reply named {@code reply} (or its rejection).
   *
   * @return the reply's data
   * @throws IllegalArgumentException when the server rejected the command (its reason)
   */
  public JsonNode call(String command, ObjectNode payload, String reply, Duration timeout) {
    String id = send(command, payload);
    JsonNode e = await(
        n -> id.equals(requestId(n))
            && (reply.equals(n.path("event").asString(""))
                || "command_rejected".equals(n.path("event").asString(""))),
        timeout);
    if ("command_rejected".equals(e.path("event").asString(""))) {
      throw refused(command, e.path("data"));
    }
    return e.path("data");
  }

  /**
   * The exception for a {@code command_rejected} answer to {@code command}, naming the server's
   * reason.
   */
  public static IllegalArgumentException refused(String command, JsonNode rejection) {
    return new IllegalArgumentException(
        command + " refused: " + rejection.path("reason").asString("(no reason)"));
  }

  /** The request id an event carries, or null. */
  public static @Nullable String requestId(JsonNode event) {
    JsonNode id = event.path("data").get("request_id");
    return id == null || !id.isString() ? null : id.asString();
  }

  /** A new empty payload. */
  public static ObjectNode payload() {
    return MAPPER.createObjectNode();
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
