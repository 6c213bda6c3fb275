package io.nemospawn.server.codeswarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code codeswarm.router.v1} end to end: a real control plane on loopback, the swarm handler, mock
 * swarms whose nodes are real processes speaking the app-server JSON-RPC dialect, and a raw NDJSON
 * client. Also writes/checks the golden transcript of every command and event.
 */
class CodeswarmRouterTest {
  static final String HOSTILE =
      "$(touch PWNED) `touch PWNED` \"dq\" 'sq' ; rm -rf ~ \\n\n\u202eevil\u202c \u0001\u001b[31m";

  @TempDir
  Path dir;

  RouterPlane plane;
  NemoSpawn ns;
  ControlPlane server;
  CodeswarmRouterHandler handler;
  RouterClient c;

  @BeforeEach
  void start() throws Exception {
    plane = RouterPlane.start(dir);
    ns = plane.ns;
    server = plane.server;
    handler = plane.handler;
    c = plane.client;
  }

  @AfterEach
  void stop() throws Exception {
    plane.close();
  }

  private static ObjectNode obj() {
    return RouterClient.M.createObjectNode();
  }

  @Test
  void fullSwarmLifecycle() throws Exception {
    // providers_list
    String rid = c.send("providers_list", obj());
    JsonNode providers = c.await("providers_list", rid).path("data").path("providers");
    assertThat(providers.findValuesAsString("id")).contains("mock", "local", "ssh", "slurm");
    for (JsonNode p : providers) {
      assertThat(p.has("launch_fields") && p.has("disabled") && p.has("provider_ref"))
          .isTrue();
      if (p.path("id").asString().equals("ssh")) {
        assertThat(p.path("disabled").asBoolean()).isTrue();
        assertThat(p.path("disabled_reason").asString()).contains("issue 16");
      }
    }

    // swarm_launch with a hostile persona and system prompt
    ObjectNode launch = obj().put("nodes", 3).put("provider", "mock").put("system_prompt", HOSTILE);
    ObjectNode bundle = launch
        .putObject("agents_bundle")
        .put("mode", "directory")
        .put("agents_md_content", HOSTILE);
    bundle
        .putArray("skills_files")
        .addObject()
        .put("path", "review/SKILL.md")
        .put("content", HOSTILE);
    rid = c.send("swarm_launch", launch);
    c.await("swarm_launch_progress", rid);
    JsonNode launched = c.await("swarm_launched", rid).path("data");
    String swarm = launched.path("swarm_id").asString();
    String job = launched.path("job_id").asString();
    assertThat(launched.path("node_count").asInt()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      JsonNode d = c.await("inject_delivered", rid).path("data");
      assertThat(d.path("channel").asString()).isEqualTo("mock-app-server");
      Path wt = handler.swarms().worktree(swarm, i);
      assertThat(Files.readString(wt.resolve("AGENTS.md"))).isEqualTo(HOSTILE);
      assertThat(Files.readString(wt.resolve(".agents/skills/review/SKILL.md"))).isEqualTo(HOSTILE);
    }
    for (int i = 0; i < 3; i++) {
      JsonNode a =
          c.awaitEvent("assistant", d -> d.path("content").asString().startsWith("mock: $"));
      assertThat(a.path("data").path("content").asString()).isEqualTo("mock: " + HOSTILE);
    }

    // inject to all, then to node[1]
    rid =
        c.send("inject", obj().put("swarm_id", swarm).put("nodes", "all").put("content", "hello"));
    Set<Integer> nodes = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      JsonNode ack = c.await("inject_ack", rid).path("data");
      nodes.add(ack.path("node_id").asInt());
      assertThat(ack.path("prompt").asString()).isEqualTo("hello");
    }
    assertThat(nodes).containsExactlyInAnyOrder(0, 1, 2);
    for (int i = 0; i < 3; i++) {
      c.await("inject_delivered", rid);
    }
    ObjectNode one = obj().put("swarm_id", swarm).put("content", HOSTILE + " node1");
    one.putArray("nodes").add(1);
    rid = c.send("inject", one);
    JsonNode ack = c.await("inject_ack", rid).path("data");
    String injection = ack.path("injection_id").asString();
    assertThat(ack.path("node_id").asInt()).isEqualTo(1);
    c.await("inject_delivered", rid);
    JsonNode answer =
        c.awaitEvent("assistant", d -> d.path("injection_id").asString().equals(injection));
    assertThat(answer.path("data").path("content").asString())
        .isEqualTo("mock: " + HOSTILE + " node1");
    assertThat(answer.path("data").path("node_id").asInt()).isEqualTo(1);
    JsonNode usage =
        c.awaitEvent("usage", d -> d.path("injection_id").asString().equals(injection));
    assertThat(usage.path("data").path("last_input_tokens").asLong())
        .isEqualTo((HOSTILE + " node1").codePoints().count());
    assertThat(usage.path("data").path("estimated_cost_usd").isNull()).isTrue();
    c.awaitEvent("task_complete", d -> d.path("injection_id").asString().equals(injection));
    c.awaitEvent("turn_complete", d -> d.path("injection_id").asString().equals(injection));

    // never silent: unknown swarm, node out of range, bad nodes, missing content
    rid = c.send("inject", obj().put("swarm_id", "nope").put("content", "x"));
    assertThat(c.await("command_rejected", rid).path("data").path("reason").asString())
        .contains("Unknown swarm_id 'nope'");
    ObjectNode far = obj().put("swarm_id", swarm).put("content", "x");
    far.putArray("nodes").add(7);
    rid = c.send("inject", far);
    assertThat(c.await("command_rejected", rid).path("data").path("reason").asString())
        .contains("Node id 7 is out of range");
    rid = c.send("inject", obj().put("swarm_id", swarm).put("nodes", "0-x").put("content", "x"));
    c.await("command_rejected", rid);
    rid = c.send("swarm_status", obj().put("swarm_id", "$(id)"));
    assertThat(c.await("command_rejected", rid).path("data").path("reason").asString())
        .contains("Unknown swarm_id '$(id)'");

    // approvals: two commands asked for, one approved, one denied, repeat is idempotent
    ObjectNode run = obj()
        .put("swarm_id", swarm)
        .put("content", "please\nRUN: rm -rf \"$HOME\" $(id)\nRUN: echo ok");
    run.putArray("nodes").add(0);
    rid = c.send("inject", run);
    JsonNode req1 = c.awaitEvent("exec_approval_required", d -> true).path("data");
    assertThat(req1.path("command").asString()).isEqualTo("rm -rf \"$HOME\" $(id)");
    assertThat(req1.path("job_id").asString()).isEqualTo(job);
    rid = c.send("approvals_list", obj());
    JsonNode list = c.await("approvals_list", rid).path("data");
    assertThat(list.path("approvals")
            .path(swarm)
            .path("0")
            .get(0)
            .path("approval_status")
            .asString())
        .isEqualTo("pending");
    ObjectNode deny = obj()
        .put("job_id", job)
        .put("call_id", req1.path("call_id").asString())
        .put("node_id", 0)
        .put("approved", false);
    rid = c.send("approve_execution", deny);
    JsonNode sub = c.await("exec_approval_submitted", rid).path("data");
    assertThat(sub.path("decision").asString()).isEqualTo("decline");
    c.awaitEvent(
        "command_completed",
        d -> d.path("call_id").asString().equals(req1.path("call_id").asString())
            && d.path("status").asString().equals("declined"));
    JsonNode req2 = c.awaitEvent("exec_approval_required", d -> true).path("data");
    assertThat(req2.path("command").asString()).isEqualTo("echo ok");
    ObjectNode approve = obj()
        .put("job_id", job)
        .put("call_id", req2.path("call_id").asString())
        .put("approved", true);
    rid = c.send("approve_execution", approve);
    assertThat(c.await("exec_approval_submitted", rid)
            .path("data")
            .path("approved")
            .asBoolean())
        .isTrue();
    c.awaitEvent(
        "command_completed",
        d -> d.path("call_id").asString().equals(req2.path("call_id").asString())
            && d.path("status").asString().equals("completed"));
    rid = c.send("approve_execution", approve);
    JsonNode again = c.await("exec_approval_resolved", rid).path("data");
    assertThat(again.path("idempotent").asBoolean()).isTrue();
    assertThat(again.path("approved").asBoolean()).isTrue();
    rid = c.send(
        "approve_execution", obj().put("job_id", job).put("call_id", "nope").put("approved", true));
    JsonNode unknown = c.await("command_rejected", rid).path("data");
    assertThat(unknown.path("reason").asString()).contains("Unknown approval request");
    assertThat(unknown.has("pending_candidates")).isTrue();
    String audit = Files.readString(dir.resolve("data/audit.jsonl"));
    assertThat(audit)
        .contains("swarm.approval.decided")
        .contains("\"decision\":\"decline\"")
        .contains("\"decision\":\"accept\"");

    // the inter-swarm queue
    rid = c.send(
        "enqueue_inject",
        obj().put("target_swarm_id", swarm).put("selector", "idle").put("content", "queued work"));
    JsonNode enq = c.await("inter_swarm_enqueued", rid).path("data");
    c.awaitEvent("queue_updated", d -> true);
    JsonNode disp = c.awaitEvent(
        "inter_swarm_dispatched",
        d -> d.path("queue_id").asString().equals(enq.path("queue_id").asString()));
    assertThat(disp.path("data").has("injection_id")).isTrue();
    rid = c.send("enqueue_inject", obj().put("target_swarm_id", "nope").put("content", "x"));
    c.await("command_rejected", rid);
    rid = c.send("queue_list", obj());
    c.await("queue_list", rid);

    // list and status
    rid = c.send("swarm_list", obj());
    JsonNode rec = c.await("swarm_list", rid).path("data").path("swarms").path(swarm);
    assertThat(rec.path("status").asString()).isEqualTo("running");
    assertThat(rec.path("system_prompt").asString()).isEqualTo(HOSTILE);
    rid = c.send("swarm_status", obj().put("swarm_id", swarm));
    assertThat(c.await("swarm_status", rid).path("data").path("status").asString())
        .isEqualTo("running");

    // terminate with workspace archives
    rid = c.send("swarm_terminate", obj().put("swarm_id", swarm));
    assertThat(c.await("swarm_status", rid).path("data").path("status").asString())
        .isEqualTo("terminating");
    c.await("swarm_terminate_progress", rid);
    List<String> archives = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      archives.add(c.await("workspace_archive_ready", rid)
          .path("data")
          .path("archive_path")
          .asString());
    }
    c.await("swarm_terminated", rid);
    for (String a : archives) {
      Process p = new ProcessBuilder("tar", "-tzf", a).redirectErrorStream(true).start();
      String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      assertThat(listing).contains("AGENTS.md").contains(".agents/skills/review/SKILL.md");
    }
    rid = c.send("inject", obj().put("swarm_id", swarm).put("content", "late"));
    assertThat(c.await("command_rejected", rid).path("data").path("reason").asString())
        .contains("terminated");
    rid = c.send("swarm_launch", obj().put("provider", "slurm"));
    assertThat(c.await("command_rejected", rid).path("data").path("reason").asString())
        .contains("disabled");

    // nothing hostile ran anywhere
    try (var files = Files.walk(dir)) {
      assertThat(files.filter(f -> f.getFileName().toString().equals("PWNED")).toList())
          .isEmpty();
    }
    Golden.check("router", c.sent, c.seen);
  }

  @Test
  void pendingApprovalsSurviveARestart() throws Exception {
    ObjectNode launch = obj().put("nodes", 1).put("provider", "mock");
    String rid = c.send("swarm_launch", launch);
    JsonNode launched = c.await("swarm_launched", rid).path("data");
    String swarm = launched.path("swarm_id").asString();
    rid = c.send("inject", obj().put("swarm_id", swarm).put("content", "RUN: make test"));
    JsonNode req = c.awaitEvent("exec_approval_required", d -> true).path("data");
    // restart the service: a new Swarms on the same data directory
    plane.restart();
    server = plane.server;
    handler = plane.handler;
    c = plane.client;
    rid = c.send("approvals_list", obj());
    JsonNode a = c.await("approvals_list", rid)
        .path("data")
        .path("approvals")
        .path(swarm)
        .path("0");
    assertThat(a.get(0).path("call_id").asString())
        .isEqualTo(req.path("call_id").asString());
    assertThat(a.get(0).path("approval_status").asString()).isEqualTo("pending");
    rid = c.send(
        "approve_execution",
        obj()
            .put("job_id", req.path("job_id").asString())
            .put("call_id", req.path("call_id").asString())
            .put("approved", true));
    c.await("exec_approval_submitted", rid);
    c.awaitEvent("command_completed", d -> d.path("status").asString().equals("completed"));
    c.awaitEvent("turn_complete", d -> true);
  }

  /** Golden NDJSON transcripts: one normalised example of every command sent and event seen. */
  static final class Golden {
    static void check(String name, List<String> sent, List<JsonNode> seen) throws Exception {
      TreeMap<String, String> commands = new TreeMap<>();
      for (String s : sent) {
        JsonNode n = RouterClient.M.readTree(s);
        commands.putIfAbsent(n.path("command").asString(), normalise(n));
      }
      TreeMap<String, String> events = new TreeMap<>();
      for (JsonNode n : seen) {
        ObjectNode e = (ObjectNode) n.deepCopy();
        e.remove("_taken");
        events.putIfAbsent(e.path("event").asString(), normalise(e));
      }
      StringBuilder b = new StringBuilder();
      commands.values().forEach(v -> b.append(v).append('\n'));
      events.values().forEach(v -> b.append(v).append('\n'));
      Path golden = Path.of("src/test/resources/codeswarm/golden/" + name + ".ndjson");
      if (Boolean.getBoolean("golden.update") || !Files.exists(golden)) {
        Files.createDirectories(golden.getParent());
        Files.writeString(golden, b.toString());
      }
      assertThat(b.toString()).isEqualTo(Files.readString(golden));
    }

    /** Keeps every field name and type; replaces values that change from run to run. */
    static String normalise(JsonNode n) {
      return RouterClient.M.writeValueAsString(shape(n, ""));
    }

    private static JsonNode shape(JsonNode n, String key) {
      if (n.isObject()) {
        ObjectNode o = RouterClient.M.createObjectNode();
        new java.util.TreeSet<>(n.propertyNames())
            .forEach(k -> o.set(
                k.matches("[0-9a-f]{8}-[0-9a-f-]{27}") ? "<swarm_id>" : k, shape(n.get(k), k)));
        return o;
      }
      if (n.isArray()) {
        var a = RouterClient.M.createArrayNode();
        if (!n.isEmpty()) {
          a.add(shape(n.get(0), key));
        }
        return a;
      }
      if (n.isString()) {
        boolean stable = Set.of(
                "protocol",
                "type",
                "event",
                "command",
                "stage",
                "status",
                "provider",
                "provider_id",
                "channel",
                "selector",
                "approval_status",
                "decision",
                "approval_method",
                "usage_source",
                "agent_runtime",
                "provider_backend",
                "backend",
                "provider_ref",
                "id",
                "mode")
            .contains(key);
        return RouterClient.M.getNodeFactory().stringNode(stable ? n.asString() : "<string>");
      }
      if (n.isNumber()) {
        return RouterClient.M.getNodeFactory().stringNode("<number>");
      }
      return n;
    }
  }
}
