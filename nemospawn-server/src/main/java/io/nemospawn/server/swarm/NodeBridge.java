package io.nemospawn.server.swarm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The process a swarm node runs as: it starts the agent CLI (or the in-process mock) with pipes,
 * reads prompts and control records from the node's {@code inbox.jsonl}, delivers them through the
 * CLI's programmatic channel, and writes the CLI's output and delivery receipts to {@code
 * outbox.jsonl}. Channels: {@code codex-app-server} (Codex {@code app-server} JSON-RPC on stdio),
 * {@code claude-stream-json} (Claude Code {@code --input-format stream-json}), {@code mock} (the
 * {@link MockAppServer}, JSON-RPC over in-process pipes).
 *
 * <p>Usage: {@code NodeBridge --node-dir DIR --channel CHANNEL [-- ARGV...]}. Prompts go to the
 * CLI as JSON values, never through a shell.
 *
 * @since 0.1
 */
@API(status = API.Status.INTERNAL, since = "0.1")
public final class NodeBridge {
  private final Path inbox;
  private final Path outbox;
  private final String channel;
  private final OutputStream toAgent;
  private final AtomicLong ids = new AtomicLong(100);
  private final Map<Long, ObjectNode> pendingTurns = new HashMap<>();
  private final Map<String, String> turnInjection = new HashMap<>();
  private final Deque<String> claudeInjections = new ArrayDeque<>();
  private volatile @Nullable String threadId;
  private volatile String lastInjection = "";

  private NodeBridge(Path nodeDir, String channel, OutputStream toAgent) {
    this.inbox = nodeDir.resolve("inbox.jsonl");
    this.outbox = nodeDir.resolve("outbox.jsonl");
    this.channel = channel;
    this.toAgent = toAgent;
  }

  /**
   * Runs a node.
   *
   * @param args {@code --node-dir DIR --channel CHANNEL [-- ARGV...]}
   */
  public static void main(String[] args) throws Exception {
    Path nodeDir = null;
    String channel = null;
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--node-dir" -> nodeDir = Path.of(args[++i]);
        case "--channel" -> channel = args[++i];
        case "--" -> {
          argv.addAll(List.of(args).subList(i + 1, args.length));
          i = args.length;
        }
        default -> throw new IllegalArgumentException("Unknown argument '" + args[i] + "'");
      }
    }
    if (nodeDir == null || channel == null) {
      throw new IllegalArgumentException("Usage: NodeBridge --node-dir DIR --channel CHANNEL");
    }
    Files.createDirectories(nodeDir);
    InputStream fromAgent;
    OutputStream toAgent;
    Process process = null;
    if (channel.equals("mock")) {
      PipedOutputStream toMock = new PipedOutputStream();
      PipedInputStream mockIn = new PipedInputStream(toMock, 1 << 16);
      PipedOutputStream mockOut = new PipedOutputStream();
      PipedInputStream fromMock = new PipedInputStream(mockOut, 1 << 16);
      Thread t = new Thread(() -> new MockAppServer(mockIn, mockOut).run(), "mock-app-server");
      t.setDaemon(true);
      t.start();
      fromAgent = fromMock;
      toAgent = toMock;
    } else {
      if (argv.isEmpty()) {
        throw new IllegalArgumentException("Channel " + channel + " needs the agent CLI's argv");
      }
      process = new ProcessBuilder(argv)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      fromAgent = process.getInputStream();
      toAgent = process.getOutputStream();
    }
    NodeBridge bridge = new NodeBridge(nodeDir, channel, toAgent);
    bridge.run(fromAgent, process);
  }

  private void run(InputStream fromAgent, @Nullable Process process) throws Exception {
    ObjectNode start = SwarmJson.obj().put("kind", "start").put("channel", channel);
    start.put("pid", ProcessHandle.current().pid());
    SwarmJson.append(outbox, start);
    Thread reader = new Thread(() -> readAgent(fromAgent), "agent-output");
    reader.setDaemon(true);
    reader.start();
    if (!channel.equals("claude-stream-json")) {
      send(SwarmJson.obj()
          .put("id", 1)
          .put("method", "initialize")
          .set(
              "params",
              SwarmJson.obj()
                  .set(
                      "clientInfo",
                      SwarmJson.obj().put("name", "nemospawn").put("version", "0.1"))));
      send(SwarmJson.obj().put("method", "initialized"));
      ObjectNode ts = SwarmJson.obj().put("id", 2).put("method", "thread/start");
      ts.set("params", SwarmJson.obj().put("cwd", Path.of("").toAbsolutePath().toString()));
      send(ts);
    }
    long offset = 0;
    while (process == null || process.isAlive()) {
      offset = pollInbox(offset);
      Thread.sleep(20);
    }
    reader.join(2000);
    SwarmJson.append(outbox, SwarmJson.obj().put("kind", "exit").put("code", process.exitValue()));
  }

  private long pollInbox(long offset) throws IOException {
    if (!Files.exists(inbox) || Files.size(inbox) <= offset) {
      return offset;
    }
    try (RandomAccessFile f = new RandomAccessFile(inbox.toFile(), "r")) {
      f.seek(offset);
      byte[] rest = new byte[(int) Math.min(f.length() - offset, 1 << 22)];
      f.readFully(rest);
      int start = 0;
      for (int i = 0; i < rest.length; i++) {
        if (rest[i] == '\n') {
          String line = new String(rest, start, i - start, StandardCharsets.UTF_8);
          start = i + 1;
          try {
            onInbox(SwarmJson.parse(line));
          } catch (RuntimeException e) {
            SwarmJson.append(
                outbox,
                SwarmJson.obj()
                    .put("kind", "error")
                    .put("message", "Unreadable inbox line: " + e.getMessage()));
          }
        }
      }
      return offset + start;
    }
  }

  private void onInbox(JsonNode record) throws IOException {
    String type = record.path("type").asString("");
    if (type.equals("user")) {
      String injection = record.path("injection_id").asString("");
      String content = record.path("content").asString("");
      String requestId = record.path("request_id").asString("");
      if (channel.equals("claude-stream-json")) {
        ObjectNode msg = SwarmJson.obj().put("type", "user");
        ObjectNode message = SwarmJson.obj().put("role", "user");
        message.putArray("content").addObject().put("type", "text").put("text", content);
        msg.set("message", message);
        synchronized (this) {
          claudeInjections.addLast(injection);
          lastInjection = injection;
        }
        try {
          send(msg);
          delivered(injection, requestId);
        } catch (IOException e) {
          failed(injection, requestId, "writing to the agent's stdin failed: " + e.getMessage());
        }
        return;
      }
      long id = ids.incrementAndGet();
      ObjectNode req = SwarmJson.obj().put("id", id).put("method", "turn/start");
      ObjectNode params = SwarmJson.obj();
      String thread = threadId;
      params.put("threadId", thread == null ? "" : thread);
      params.putArray("input").addObject().put("type", "text").put("text", content);
      req.set("params", params);
      synchronized (this) {
        pendingTurns.put(
            id, SwarmJson.obj().put("injection_id", injection).put("request_id", requestId));
      }
      send(req);
    } else if (type.equals("control")) {
      JsonNode payload = record.path("payload");
      if (payload.path("type").asString("").equals("rpc_response")) {
        ObjectNode resp = SwarmJson.obj();
        resp.set("id", payload.path("rpc_id"));
        resp.set("result", payload.path("result"));
        send(resp);
      } else {
        send(payload);
      }
    }
  }

  private void readAgent(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode msg;
        try {
          msg = SwarmJson.parse(line);
        } catch (RuntimeException e) {
          SwarmJson.append(
              outbox,
              SwarmJson.obj()
                  .put("kind", "error")
                  .put(
                      "message",
                      "The agent wrote a line that is not JSON: " + NodeSelector.printable(line)));
          continue;
        }
        if (channel.equals("claude-stream-json")) {
          onClaude(msg);
        } else {
          onRpc(msg);
        }
      }
    } catch (IOException e) {
      try {
        SwarmJson.append(
            outbox,
            SwarmJson.obj()
                .put("kind", "error")
                .put("message", "Reading the agent's output failed: " + e.getMessage()));
      } catch (IOException ignored) {
        // the outbox is gone; nothing left to tell
      }
    }
  }

  private void onClaude(JsonNode msg) throws IOException {
    String injection;
    synchronized (this) {
      String head = claudeInjections.peekFirst();
      injection = head != null ? head : lastInjection;
      if (msg.path("type").asString("").equals("result") && head != null) {
        claudeInjections.removeFirst();
      }
    }
    ObjectNode out = SwarmJson.obj().put("kind", "stream").put("injection_id", injection);
    out.set("payload", msg);
    SwarmJson.append(outbox, out);
  }

  private void onRpc(JsonNode msg) throws IOException {
    if (msg.has("id") && !msg.has("method")) {
      long id = msg.path("id").asLong(-1);
      if (id == 2) {
        threadId = msg.path("result").path("thread").path("id").asString("");
        return;
      }
      ObjectNode pending;
      synchronized (this) {
        pending = pendingTurns.remove(id);
      }
      if (pending != null) {
        String injection = pending.path("injection_id").asString("");
        String requestId = pending.path("request_id").asString("");
        if (msg.has("error")) {
          failed(injection, requestId, "turn/start refused: " + msg.path("error"));
        } else {
          String turn = msg.path("result").path("turn").path("id").asString("");
          synchronized (this) {
            turnInjection.put(turn, injection);
            lastInjection = injection;
          }
          delivered(injection, requestId);
        }
      }
      return;
    }
    String turn = msg.path("params").path("turnId").asString("");
    if (turn.isEmpty()) {
      turn = msg.path("params").path("turn").path("id").asString("");
    }
    String injection;
    synchronized (this) {
      injection = turnInjection.getOrDefault(turn, lastInjection);
    }
    ObjectNode out = SwarmJson.obj().put("kind", "rpc").put("injection_id", injection);
    out.set("payload", msg);
    SwarmJson.append(outbox, out);
  }

  private void delivered(String injection, String requestId) throws IOException {
    SwarmJson.append(
        outbox,
        SwarmJson.obj()
            .put("kind", "delivered")
            .put("injection_id", injection)
            .put("request_id", requestId)
            .put("channel", channel.equals("mock") ? "mock-app-server" : channel));
  }

  private void failed(String injection, String requestId, String error) throws IOException {
    SwarmJson.append(
        outbox,
        SwarmJson.obj()
            .put("kind", "failed")
            .put("injection_id", injection)
            .put("request_id", requestId)
            .put("error", error));
  }

  private synchronized void send(JsonNode msg) throws IOException {
    toAgent.write((SwarmJson.line(msg) + "\n").getBytes(StandardCharsets.UTF_8));
    toAgent.flush();
  }
}
