package io.nemospawn.server.codeswarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.spi.Durability;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Delivery channels at their real boundaries: a Python standard-library client against a keyed
 * server, Claude Code's stream-json through a stand-in executable, typing into a real tmux pane,
 * and the team inbox.
 */
class CodeswarmChannelsTest {
  static final String HOSTILE =
      "$(touch PWNED) `touch PWNED` \"dq\" 'sq' ; \u202eevil\u202c \u0001";

  @TempDir
  Path dir;

  NemoSpawn ns;
  ControlPlane server;
  CodeswarmRouterHandler handler;
  String key = "";

  @BeforeEach
  void start() throws Exception {
    Path data = dir.resolve("data");
    ns = NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open();
    key = ControlPlane.ensureKey(data).orElseThrow();
    handler = CodeswarmRouterHandler.open(ns);
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0), List.of(handler));
    handler.attach(server);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    for (String id : handler.swarms().list().propertyNames()) {
      try {
        handler.swarms().terminate(id, true, false, "cleanup");
      } catch (IllegalArgumentException done) {
        // already terminated
      }
    }
    RouterPlane.awaitTerminated(handler.swarms());
    handler.swarms().close();
    ns.close();
  }

  private RouterClient client() throws Exception {
    RouterClient c = new RouterClient(server.port());
    c.send("hello", RouterClient.M.createObjectNode().put("key", key));
    c.awaitEvent("hello", d -> true);
    return c;
  }

  private static ObjectNode obj() {
    return RouterClient.M.createObjectNode();
  }

  private static Path resource(Path dir, String name) throws Exception {
    Path out = dir.resolve(name);
    try (InputStream in = CodeswarmChannelsTest.class.getResourceAsStream("/codeswarm/" + name)) {
      Files.copy(java.util.Objects.requireNonNull(in, name), out);
    }
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwx------"));
    return out;
  }

  @Test
  void pythonStandardLibraryClientDrivesTheRouter() throws Exception {
    Path script = resource(dir, "client.py");
    Process p = new ProcessBuilder("python3", script.toString(), String.valueOf(server.port()), key)
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(out).startsWith("OK ");
    assertThat(p.exitValue()).isZero();
    try (var files = Files.walk(dir)) {
      assertThat(files.filter(f -> f.getFileName().toString().equals("PWNED")).toList())
          .isEmpty();
    }
  }

  @Test
  void claudeStreamJsonIsTheProgrammaticChannel() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path claude = resource(bin, "fake-claude");
    Files.move(claude, bin.resolve("claude"));
    try (RouterClient c = client()) {
      ObjectNode launch = obj().put("nodes", 1).put("provider", "local");
      launch
          .putObject("provider_params")
          .putArray("command")
          .add(bin.resolve("claude").toString())
          .add("-p")
          .add("--input-format")
          .add("stream-json")
          .add("--output-format")
          .add("stream-json");
      String rid = c.send("swarm_launch", launch);
      JsonNode launched = c.await("swarm_launched", rid).path("data");
      assertThat(launched.path("agent_runtime").asString()).isEqualTo("claude-stream-json");
      String swarm = launched.path("swarm_id").asString();
      rid = c.send("inject", obj().put("swarm_id", swarm).put("content", HOSTILE));
      JsonNode d = c.await("inject_delivered", rid).path("data");
      assertThat(d.path("channel").asString()).isEqualTo("claude-stream-json");
      String inj = d.path("injection_id").asString();
      JsonNode a =
          c.awaitEvent("assistant", x -> x.path("injection_id").asString().equals(inj));
      assertThat(a.path("data").path("content").asString()).isEqualTo("claude: " + HOSTILE);
      JsonNode u = c.awaitEvent("usage", x -> x.path("injection_id").asString().equals(inj));
      assertThat(u.path("data").path("cached_input_tokens").asLong()).isEqualTo(2);
      JsonNode t =
          c.awaitEvent("task_complete", x -> x.path("injection_id").asString().equals(inj));
      assertThat(t.path("data").path("last_agent_message").asString())
          .isEqualTo("claude: " + HOSTILE);
      Path log = handler.swarms().worktree(swarm, 0).resolve("fake-claude-input.jsonl");
      JsonNode received = RouterClient.M.readTree(Files.readAllLines(log).get(0));
      assertThat(received.path("type").asString()).isEqualTo("user");
      assertThat(received.path("message").path("content").get(0).path("text").asString())
          .isEqualTo(HOSTILE);
    }
  }

  @Test
  void tmuxPaneIsTypedIntoLiterally() throws Exception {
    try (RouterClient c = client()) {
      ObjectNode launch = obj().put("nodes", 1).put("provider", "local");
      ObjectNode params = launch.putObject("provider_params").put("runtime", "tmux");
      params.putArray("command").add("cat");
      String rid = c.send("swarm_launch", launch);
      JsonNode launched = c.await("swarm_launched", rid).path("data");
      assertThat(launched.path("agent_runtime").asString()).isEqualTo("tmux");
      String swarm = launched.path("swarm_id").asString();
      String text = "$(touch PWNED) `touch PWNED` \"dq\" 'sq' ; echo hi";
      String injRid = c.send("inject", obj().put("swarm_id", swarm).put("content", text));
      JsonNode d = c.await(
          n -> (n.path("event").asString().equals("inject_delivered")
                  || n.path("event").asString().equals("inject_failed"))
              && n.path("data").path("request_id").asString().equals(injRid),
          java.time.Duration.ofSeconds(60));
      assertThat(d.path("event").asString()).as(d.toString()).isEqualTo("inject_delivered");
      assertThat(d.path("data").path("channel").asString()).isEqualTo("tmux");
      Path wt = handler.swarms().worktree(swarm, 0);
      assertThat(wt.resolve("PWNED")).doesNotExist();
    }
  }

  @Test
  void teamInboxIsTheLastResort() throws Exception {
    try (RouterClient c = client()) {
      ObjectNode launch = obj().put("nodes", 2).put("provider", "local");
      launch.putObject("provider_params").putArray("command").add("sleep").add("120");
      String rid = c.send("swarm_launch", launch);
      String swarm =
          c.await("swarm_launched", rid).path("data").path("swarm_id").asString();
      ObjectNode inj = obj().put("swarm_id", swarm).put("content", HOSTILE);
      inj.putArray("nodes").add(1);
      rid = c.send("inject", inj);
      JsonNode d = c.await("inject_delivered", rid).path("data");
      assertThat(d.path("channel").asString()).isEqualTo("team-inbox");
      var msgs = handler.swarms().team(swarm).inbox().peek("node-1");
      assertThat(msgs).hasSize(1);
      assertThat(msgs.get(0).body()).isEqualTo(HOSTILE);
      assertThat(handler.swarms().team(swarm).inbox().peek("node-0")).isEmpty();
    }
  }
}
