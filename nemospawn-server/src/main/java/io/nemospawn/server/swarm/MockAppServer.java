package io.nemospawn.server.swarm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code mock} provider's agent: a small stand-in for Codex's {@code app-server} that speaks
 * its JSON-RPC dialect over a pair of streams. Each {@code turn/start} becomes a full turn: {@code
 * turn/started}, agent message deltas and the completed message (it echoes the prompt), token
 * usage, and {@code turn/completed}. Every prompt line that starts with {@code RUN:} becomes an
 * {@code item/commandExecution/requestApproval} request; the mock waits for the answer and reports
 * the command as completed or declined. It never executes anything.
 *
 * <p>Environment: {@code NEMOSPAWN_MOCK_DELAY_MS} (pause between steps; default 0).
 *
 * @since 0.1
 */
@API(status = API.Status.INTERNAL, since = "0.1")
public final class MockAppServer implements Runnable {
  private final InputStream in;
  private final OutputStream out;
  private final BlockingQueue<JsonNode> turns = new LinkedBlockingQueue<>();
  private final Map<Long, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
  private final long delayMs;
  private long nextId = 1000;
  private int turnSeq;
  private long totalIn;
  private long totalOut;

  /** A mock reading requests from {@code in} and writing to {@code out}. */
  public MockAppServer(InputStream in, OutputStream out) {
    this.in = in;
    this.out = out;
    String d = System.getenv("NEMOSPAWN_MOCK_DELAY_MS");
    this.delayMs = d == null || !d.matches("\\d{1,6}") ? 0 : Long.parseLong(d);
  }

  @Override
  public void run() {
    Thread worker = new Thread(this::work, "mock-turns");
    worker.setDaemon(true);
    worker.start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        JsonNode msg = SwarmJson.parse(line);
        String method = msg.path("method").asString("");
        if (msg.has("id") && method.isEmpty()) {
          CompletableFuture<JsonNode> f = answers.remove(msg.path("id").asLong());
          if (f != null) {
            f.complete(msg.path("result"));
          }
          continue;
        }
        switch (method) {
          case "initialize" -> respond(msg, SwarmJson.obj().put("userAgent", "nemospawn-mock"));
          case "thread/start" -> {
            ObjectNode r0 = SwarmJson.obj();
            r0.set("thread", SwarmJson.obj().put("id", "thread-mock"));
            respond(msg, r0);
          }
          case "turn/start" -> {
            String turnId = "turn-" + (++turnSeq);
            ObjectNode r0 = SwarmJson.obj();
            r0.set("turn", SwarmJson.obj().put("id", turnId).put("status", "inProgress"));
            respond(msg, r0);
            turns.add(SwarmJson.obj()
                .put("turn", turnId)
                .put(
                    "text",
                    msg.path("params").path("input").path(0).path("text").asString("")));
          }
          default -> {
            if (msg.has("id")) {
              ObjectNode err = SwarmJson.obj().put("id", msg.path("id").asLong());
              err.set(
                  "error",
                  SwarmJson.obj()
                      .put("code", -32601)
                      .put("message", "method not found: " + method));
              write(err);
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // the bridge closed the pipe: the node is stopping
    }
  }

  private void work() {
    try {
      while (true) {
        JsonNode t = turns.take();
        turn(t.path("turn").asString(), t.path("text").asString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // pipe closed
    }
  }

  private void turn(String turnId, String text) throws IOException, InterruptedException {
    ObjectNode started = params(turnId);
    started.set("turn", SwarmJson.obj().put("id", turnId).put("status", "inProgress"));
    notify("turn/started", started);
    pause();
    String reply = "mock: " + text;
    int third = Math.max(1, reply.length() / 3);
    for (int i = 0; i < reply.length(); ) {
      int end = Math.min(reply.length(), i + third);
      if (end < reply.length() && Character.isHighSurrogate(reply.charAt(end - 1))) {
        end++;
      }
      notify(
          "item/agentMessage/delta",
          params(turnId).put("itemId", "msg-" + turnId).put("delta", reply.substring(i, end)));
      i = end;
    }
    int calls = 0;
    for (String line : text.split("\n", -1)) {
      if (!line.startsWith("RUN:")) {
        continue;
      }
      String command = line.substring(4).strip();
      String callId = "call-" + turnId + "-" + (++calls);
      long id;
      synchronized (this) {
        id = ++nextId;
      }
      CompletableFuture<JsonNode> answer = new CompletableFuture<>();
      answers.put(id, answer);
      ObjectNode req =
          SwarmJson.obj().put("id", id).put("method", "item/commandExecution/requestApproval");
      req.set(
          "params",
          params(turnId)
              .put("itemId", callId)
              .put("command", command)
              .put("cwd", System.getProperty("user.dir"))
              .put("reason", "the mock asks before running any command"));
      write(req);
      String decision;
      try {
        decision = answer.get(1, TimeUnit.HOURS).path("decision").asString("decline");
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        decision = "decline";
      }
      boolean ok = decision.equals("accept")
          || decision.startsWith("approved")
          || decision.equals("acceptForSession");
      ObjectNode item = SwarmJson.obj()
          .put("type", "commandExecution")
          .put("id", callId)
          .put("command", command)
          .put("status", ok ? "completed" : "declined")
          .put("aggregatedOutput", ok ? "(mock: approved, not executed)" : "")
          .put("exitCode", ok ? 0 : 1);
      ObjectNode done = params(turnId);
      done.set("item", item);
      notify("item/completed", done);
      pause();
    }
    ObjectNode msg = params(turnId);
    msg.set(
        "item",
        SwarmJson.obj().put("type", "agentMessage").put("id", "msg-" + turnId).put("text", reply));
    notify("item/completed", msg);
    long in0 = text.codePointCount(0, text.length());
    long out0 = reply.codePointCount(0, reply.length());
    totalIn += in0;
    totalOut += out0;
    ObjectNode usage = SwarmJson.obj();
    usage.set("total", tokens(totalIn, totalOut));
    usage.set("last", tokens(in0, out0));
    usage.put("modelContextWindow", 200000);
    ObjectNode up = params(turnId);
    up.set("tokenUsage", usage);
    notify("thread/tokenUsage/updated", up);
    ObjectNode completed = params(turnId);
    completed.set("turn", SwarmJson.obj().put("id", turnId).put("status", "completed"));
    notify("turn/completed", completed);
  }

  private static ObjectNode tokens(long in, long out) {
    return SwarmJson.obj()
        .put("totalTokens", in + out)
        .put("inputTokens", in)
        .put("cachedInputTokens", 0)
        .put("outputTokens", out)
        .put("reasoningOutputTokens", 0);
  }

  private static ObjectNode params(String turnId) {
    return SwarmJson.obj().put("threadId", "thread-mock").put("turnId", turnId);
  }

  private void pause() throws InterruptedException {
    if (delayMs > 0) {
      Thread.sleep(delayMs);
    }
  }

  private void respond(JsonNode req, ObjectNode result) throws IOException {
    ObjectNode r = SwarmJson.obj();
    r.set("id", req.path("id"));
    r.set("result", result);
    write(r);
  }

  private void notify(String method, ObjectNode params) throws IOException {
    ObjectNode n = SwarmJson.obj().put("method", method);
    n.set("params", params);
    write(n);
  }

  private synchronized void write(JsonNode msg) throws IOException {
    out.write((SwarmJson.line(msg) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
