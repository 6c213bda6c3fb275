package io.nemospawn.board;

import io.nemospawn.NemoSpawn;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stand-in for Codex's {@code app-server} (the agent CLI of a {@code local} swarm with channel
 * {@code codex-app-server}), run as its own process by the node's bridge: it speaks the JSON-RPC
 * dialect on stdio and, for a prompt that carries a project task ({@code PROJECT_TASK_JSON}), does
 * the task as an agent would: real git work in the worktree it was given (a file named after the
 * task, committed on the task's branch), then reports the team task done through the library on
 * {@code NEMOSPAWN_DATA_DIR} with its own {@code NEMOSPAWN_API_KEY}, as {@code nemospawn task
 * update} does. A task whose prompt says {@code FAIL-ONCE} is reported failed the first time (a
 * marker file in the data directory remembers it across agents). Each turn reports token usage.
 */
public final class FakeCodexWorker {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private final BlockingQueue<String[]> turns = new LinkedBlockingQueue<>();
  private long totalIn;
  private long totalOut;

  private FakeCodexWorker() {}

  /** Runs until stdin closes. */
  public static void main(String[] args) throws Exception {
    new FakeCodexWorker().run();
  }

  private void run() throws Exception {
    Thread worker = new Thread(this::work, "fake-turns");
    worker.setDaemon(true);
    worker.start();
    int seq = 0;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        JsonNode msg = JSON.readTree(line);
        switch (msg.path("method").asString("")) {
          case "initialize" -> respond(msg, obj().put("userAgent", "fake-codex"));
          case "thread/start" -> respond(msg, obj().set("thread", obj().put("id", "thread-fake")));
          case "turn/start" -> {
            String turn = "turn-" + (++seq);
            respond(msg, obj().set("turn", obj().put("id", turn).put("status", "inProgress")));
            turns.add(new String[] {
              turn, msg.path("params").path("input").path(0).path("text").asString("")
            });
          }
          default -> {}
        }
      }
    }
  }

  private void work() {
    try {
      while (true) {
        String[] t = turns.take();
        turn(t[0], t[1]);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void turn(String turn, String text) {
    notify("turn/started", params(turn).set("turn", obj().put("id", turn)));
    String reply;
    try {
      reply = doTask(text);
    } catch (Exception e) {
      reply = "could not do the task: " + e;
    }
    notify("item/agentMessage/delta", params(turn).put("itemId", "m-" + turn).put("delta", reply));
    notify(
        "item/completed",
        params(turn)
            .set(
                "item",
                obj().put("type", "agentMessage").put("id", "m-" + turn).put("text", reply)));
    long in = text.length();
    long o = reply.length();
    totalIn += in;
    totalOut += o;
    ObjectNode usage = obj();
    usage.set("total", tokens(totalIn, totalOut));
    usage.set("last", tokens(in, o));
    notify("thread/tokenUsage/updated", params(turn).set("tokenUsage", usage));
    notify(
        "turn/completed",
        params(turn).set("turn", obj().put("id", turn).put("status", "completed")));
  }

  private String doTask(String text) throws Exception {
    int at = text.indexOf("PROJECT_TASK_JSON ");
    if (at < 0) {
      return "fake: " + text;
    }
    String rest = text.substring(at + "PROJECT_TASK_JSON ".length());
    int nl = rest.indexOf('\n');
    JsonNode task = JSON.readTree(nl < 0 ? rest : rest.substring(0, nl));
    String id = task.path("task_id").asString();
    Path data = Path.of(System.getenv("NEMOSPAWN_DATA_DIR"));
    String key = System.getenv("NEMOSPAWN_API_KEY");
    NemoSpawn.Builder b = NemoSpawn.builder().dataDir(data);
    if (key != null) {
      b.key(key);
    }
    try (NemoSpawn ns = b.open()) {
      var tasks = ns.team(task.path("team_id").asString()).tasks();
      String teamTask = task.path("team_task_id").asString();
      Path marker = data.resolve(
          "fake-failed-" + task.path("project_id").asString() + "-" + id.replaceAll("\\W", "_"));
      if (task.path("prompt").asString().contains("FAIL-ONCE") && !Files.exists(marker)) {
        Files.writeString(marker, "failed once\n");
        tasks.update(
            teamTask,
            TaskUpdate.of(TaskState.FAILED).withMetadata("error", "fake failure of " + id));
        return "failed " + id + " on purpose";
      }
      Path wt = Path.of(task.path("worktree").asString());
      Files.writeString(wt.resolve(id + ".txt"), task.path("prompt").asString() + "\n");
      git(wt, "add", id + ".txt");
      git(
          wt,
          "-c",
          "user.name=fake",
          "-c",
          "user.email=fake@localhost",
          "commit",
          "-qm",
          "task " + id);
      tasks.update(teamTask, TaskUpdate.of(TaskState.DONE));
      return "done " + id + " on " + task.path("branch").asString();
    }
  }

  private static void git(Path dir, String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("git", "-C", dir.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("git " + argv + " failed: " + o);
    }
  }

  private static ObjectNode tokens(long in, long out) {
    return obj()
        .put("totalTokens", in + out)
        .put("inputTokens", in)
        .put("cachedInputTokens", 0)
        .put("outputTokens", out)
        .put("reasoningOutputTokens", 0);
  }

  private static ObjectNode obj() {
    return JSON.createObjectNode();
  }

  private static ObjectNode params(String turn) {
    return obj().put("threadId", "thread-fake").put("turnId", turn);
  }

  private void respond(JsonNode req, ObjectNode result) {
    ObjectNode r = obj();
    r.set("id", req.path("id"));
    r.set("result", result);
    write(r);
  }

  private void notify(String method, ObjectNode params) {
    ObjectNode n = obj().put("method", method);
    n.set("params", params);
    write(n);
  }

  private synchronized void write(JsonNode msg) {
    out.println(JSON.writeValueAsString(msg));
  }
}
