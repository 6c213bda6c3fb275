package io.nemospawn.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Framing, auth, hostile lines, many and slow clients, replay: real loopback sockets. */
class FramingTest {
  @TempDir
  Path data;

  NemoSpawn local;
  NemoSpawnV1Handler v1;
  ControlPlane server;
  String key;

  @BeforeEach
  void start() {
    key = ControlPlane.ensureKey(data).orElseThrow();
    local = NemoSpawn.open(data);
    v1 = new NemoSpawnV1Handler(local);
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data)
            .withAddress("127.0.0.1", 0)
            .withLimits(64 * 1024, 512, 4096, 1000),
        List.of(v1, new ControlPlaneTest.Echo()));
  }

  @AfterEach
  void stop() {
    server.close();
    v1.close();
    local.close();
  }

  @Test
  void aPythonStandardLibraryClientDrivesFramingAndAuth() throws Exception {
    Path script = Path.of("src/test/resources/python/client.py").toAbsolutePath();
    Process p = new ProcessBuilder("python3", script.toString(), String.valueOf(server.port()), key)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    JsonNode r = Wire.MAPPER.readTree(out);
    assertThat(r.path("before_hello").toString())
        .isEqualTo("[\"command_rejected\",\"unauthenticated\"]");
    assertThat(r.path("closed_after").asBoolean()).isTrue();
    assertThat(r.path("wrong_key").toString()).isEqualTo("[\"command_rejected\",\"auth_failed\"]");
    assertThat(r.path("hello").toString()).isEqualTo("[\"hello\",\"generated\"]");
    assertThat(r.path("malformed").toString())
        .isEqualTo("[\"command_rejected\",\"malformed_json\",null]");
    assertThat(r.path("unknown_protocol").path(1).asString()).isEqualTo("unknown_protocol");
    assertThat(r.path("unknown_command").path(1).asString()).isEqualTo("unknown_command");
    assertThat(r.path("bad_payload").path(1).asString()).isEqualTo("bad_payload");
    assertThat(r.path("invalid_utf8").path(1).asString()).isEqualTo("invalid_utf8");
    assertThat(r.path("teams_list").toString()).isEqualTo("[\"result\",[]]");
  }

  @Test
  void hostileLinesAreEachAnsweredAndTheConnectionStaysUsable() throws Exception {
    try (LineClient c = new LineClient(server.port())) {
      c.hello(ControlPlane.CODESWARM_V1, key, -1);
      // a line over the limit: refused, not buffered; the next line works
      byte[] huge = new byte[200 * 1024];
      java.util.Arrays.fill(huge, (byte) 'a');
      c.sendRaw(huge);
      c.sendRaw(new byte[] {'\n'});
      JsonNode tooLong = c.next();
      assertThat(tooLong.path("data").path("code").asString()).isEqualTo("line_too_long");
      // deep nesting
      c.sendLine("{\"protocol\":\"codeswarm.router.v1\",\"command\":\"echo\",\"payload\":"
          + "[".repeat(5000) + "]".repeat(5000) + "}");
      assertThat(c.next().path("data").path("code").asString()).isEqualTo("malformed_json");
      // random bytes: every line gets an answer, never silence
      Random rnd = new Random(42);
      int lines = 0;
      for (int i = 0; i < 200; i++) {
        byte[] b = new byte[1 + rnd.nextInt(300)];
        rnd.nextBytes(b);
        for (int j = 0; j < b.length; j++) {
          if (b[j] == '\n' || b[j] == '\r') {
            b[j] = 'x';
          }
        }
        c.sendRaw(b);
        c.sendRaw(new byte[] {'\n'});
        lines++;
      }
      for (int i = 0; i < lines; i++) {
        JsonNode n = c.next();
        assertThat(n.path("event").asString()).isEqualTo("command_rejected");
      }
      ObjectNode p = Wire.MAPPER.createObjectNode().put("still", "alive");
      String id = c.command(ControlPlane.CODESWARM_V1, "echo", p);
      assertThat(c.reply(id).path("data").path("still").asString()).isEqualTo("alive");
    }
  }

  @Test
  void aClientThatNeverSaysHelloIsClosed() throws Exception {
    server.close();
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data)
            .withAddress("127.0.0.1", 0)
            .withHelloTimeout(Duration.ofMillis(500)),
        List.of());
    try (LineClient c = new LineClient(server.port())) {
      JsonNode n = c.next();
      assertThat(n.path("data").path("code").asString()).isEqualTo("hello_timeout");
      assertThat(c.next()).isNull();
    }
  }

  @Test
  void theInsecureModeIsRefusedOffLoopback() {
    ControlPlane.Options o =
        ControlPlane.Options.defaults(data).withAddress("0.0.0.0", 0).withInsecureLoopback(true);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ControlPlane.start(o, List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("0.0.0.0");
  }

  @Test
  void aHundredConcurrentClientsAllGetTheirRepliesAndEveryBroadcast() throws Exception {
    int n = 100;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<LineClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        LineClient c = new LineClient(server.port());
        c.hello(ControlPlane.CODESWARM_V1, key, -1);
        clients.add(c);
      }
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        LineClient c = clients.get(i);
        int me = i;
        results.add(pool.submit(() -> {
          String id = c.command(
              ControlPlane.CODESWARM_V1, "echo", Wire.MAPPER.createObjectNode().put("from", me));
          return c.reply(id).path("data").path("from").asInt();
        }));
      }
      for (int i = 0; i < n; i++) {
        assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
      }
      // each echo was also broadcast: every client sees all n broadcasts
      long last = server.lastSeq();
      for (LineClient c : clients) {
        c.until(e -> e.path("seq").asLong() == last);
      }
    } finally {
      pool.shutdownNow();
      for (LineClient c : clients) {
        c.close();
      }
    }
  }

  @Test
  void aSlowClientDoesNotDelayOthersAndIsToldWhatItMissed() throws Exception {
    server.close();
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data)
            .withAddress("127.0.0.1", 0)
            .withLimits(64 * 1024, 512, 64, 5000),
        List.of());
    // the slow client never reads while the events are published, with a tiny receive buffer;
    // the fast one reads every batch before the next is published, so its queue of 64 lines
    // never fills, however loaded the machine is
    try (LineClient slow = new LineClient(server.port(), 4096);
        LineClient fast = new LineClient(server.port())) {
      slow.hello(ControlPlane.CODESWARM_V1, key, -1);
      fast.hello(ControlPlane.CODESWARM_V1, key, -1);
      String big = "y".repeat(8000);
      int total = 3000;
      int batch = 30;
      long start = System.nanoTime();
      for (int i = 0; i < total; i += batch) {
        for (int j = i; j < i + batch; j++) {
          server.publish(
              ControlPlane.CODESWARM_V1,
              "bulk",
              Wire.MAPPER.createObjectNode().put("i", j).put("pad", big));
        }
        int end = i + batch - 1;
        JsonNode got = fast.until(e -> e.path("event").asString("").equals("events_dropped")
            || e.path("data").path("i").asInt(-1) == end);
        assertThat(got.path("event").asString()).isEqualTo("bulk");
      }
      long last = server.lastSeq();
      // 3,000 events of 8 KB (24 MB) are far more than the slow client's socket buffers and
      // queue hold, and it held up neither the publisher nor the fast client
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
      // the slow one now reads: it gets what fit in its queue and socket, then events_dropped
      // carrying the last sequence number it was sent
      long previous = -1;
      JsonNode dropped = null;
      while (dropped == null) {
        JsonNode e = slow.until(x -> true);
        if (e.path("event").asString("").equals("events_dropped")) {
          dropped = e;
        } else {
          assertThat(e.path("event").asString()).isEqualTo("bulk");
          assertThat(e.path("seq").asLong()).isGreaterThan(previous);
          previous = e.path("seq").asLong();
        }
      }
      JsonNode d = dropped.path("data");
      assertThat(previous).isPositive();
      assertThat(d.path("last_delivered_seq").asLong()).isEqualTo(previous);
      assertThat(d.path("resync_since").asLong()).isEqualTo(previous);
      assertThat(d.path("first_seq").asLong()).isEqualTo(previous + 1);
      assertThat(d.path("last_seq").asLong()).isEqualTo(last);
      assertThat(d.path("reason").asString()).contains("since=" + previous);
      // and resyncs from the retained events. A replay longer than the queue overflows again;
      // each notice says where to go on, so the client catches up in rounds, missing nothing
      long expected = previous + 1;
      long since = d.path("resync_since").asLong();
      int rounds = 0;
      while (expected <= last) {
        assertThat(++rounds).isLessThan(500);
        String id = slow.command(
            ControlPlane.CODESWARM_V1,
            "subscribe",
            Wire.MAPPER.createObjectNode().put("since", since));
        boolean replied = false;
        boolean again = false;
        while (!replied || (!again && expected <= last)) {
          JsonNode e = slow.until(x -> true);
          String name = e.path("event").asString("");
          if (name.equals("bulk")) {
            assertThat(e.path("seq").asLong()).isEqualTo(expected);
            expected++;
          } else if (name.equals("events_dropped")) {
            assertThat(e.path("data").path("resync_since").asLong()).isEqualTo(expected - 1);
            since = expected - 1;
            again = true;
          } else if (id.equals(e.path("data").path("request_id").asString(null))) {
            assertThat(name).isEqualTo("subscribed");
            replied = true;
          }
        }
      }
      assertThat(expected).isEqualTo(last + 1);
      // after the resync it gets live events again
      long live = server.publish(ControlPlane.CODESWARM_V1, "live", Wire.MAPPER.createObjectNode());
      assertThat(slow.until(e -> e.path("event").asString("").equals("live"))
              .path("seq")
              .asLong())
          .isEqualTo(live);
    }
  }

  @Test
  void aClientReconnectingWithSinceGetsWhatItMissed() throws Exception {
    long seen;
    try (LineClient c = new LineClient(server.port())) {
      c.hello(ControlPlane.CODESWARM_V1, key, -1);
      server.publish(ControlPlane.CODESWARM_V1, "one", Wire.MAPPER.createObjectNode());
      seen =
          c.until(e -> e.path("event").asString("").equals("one")).path("seq").asLong();
    }
    server.publish(ControlPlane.CODESWARM_V1, "two", Wire.MAPPER.createObjectNode());
    server.publish(ControlPlane.NEMOSPAWN_V1, "other_protocol", Wire.MAPPER.createObjectNode());
    server.publish(ControlPlane.CODESWARM_V1, "three", Wire.MAPPER.createObjectNode());
    try (LineClient c = new LineClient(server.port())) {
      c.hello(ControlPlane.CODESWARM_V1, key, seen);
      assertThat(c.next().path("event").asString()).isEqualTo("two");
      assertThat(c.next().path("event").asString()).isEqualTo("three");
    }
    // beyond retention: told there is a gap
    for (int i = 0; i < 1100; i++) {
      server.publish(ControlPlane.CODESWARM_V1, "filler", Wire.MAPPER.createObjectNode());
    }
    try (LineClient c = new LineClient(server.port())) {
      c.hello(ControlPlane.CODESWARM_V1, key, seen);
      JsonNode gap = c.until(e -> e.path("event").asString("").equals("subscribed"));
      assertThat(gap.path("data").path("gap").asBoolean()).isTrue();
    }
  }
}
