package io.nemospawn.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nemospawn.Transport;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** A peer written in Python (Debian's python3-zmq) sends to and receives from our ZeroMQ side. */
class PythonZmqPeerIT {
  static final String PYTHON = "/usr/bin/python3";
  static final String TEAM = "py-1a2b3c4d";
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dataDir;

  @TempDir
  Path work;

  @BeforeAll
  static void pythonWithZmq() throws Exception {
    boolean ok = false;
    if (Files.isExecutable(Path.of(PYTHON))) {
      Process p = new ProcessBuilder(PYTHON, "-c", "import zmq")
          .redirectErrorStream(true)
          .start();
      ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
    assumeTrue(ok, "needs /usr/bin/python3 with python3-zmq: run scripts/ci/install-tools.sh");
  }

  Path script() throws IOException {
    Path s = work.resolve("zmq_peer.py");
    try (InputStream in = getClass().getResourceAsStream("/python/zmq_peer.py")) {
      Files.copy(in, s);
    }
    return s;
  }

  TransportContext context() {
    return TransportContext.of(dataDir, TEAM)
        .withTransport(Transport.zmq(URI.create("tcp://127.0.0.1:0")))
        .withSendTimeout(Duration.ofSeconds(5));
  }

  @Test
  void pythonSendsToOurZmqReceiver() throws Exception {
    String agent = "java-worker-00000001";
    try (InboxStore store = InboxStore.open(context())) {
      assertThat(store.receive(agent, Duration.ofMillis(1)).isEmpty()).isTrue();
      try (ChildProcess py = ChildProcess.start(
          List.of(PYTHON, script().toString(), "send", dataDir.toString(), TEAM, agent, "50"),
          work.resolve("py-send.log"))) {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < 50 && System.nanoTime() < deadline) {
          store.receive(agent, Duration.ofSeconds(1)).items().forEach(m -> got.add(m.body()));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          expected.add("py " + i + " ✓");
        }
        assertThat(got).containsExactlyElementsOf(expected);
        assertThat(py.awaitExit(WAIT)).isZero();
      }
      // The Python peer pushed only over ZeroMQ; the durable records were written on receipt.
      assertThat(store.history(agent).items()).hasSize(50).allMatch(Message::read);
    }
  }

  @Test
  void pythonReceivesFromOurZmqSender() throws Exception {
    String agent = "py-worker-00000002";
    try (ChildProcess py = ChildProcess.start(
            List.of(PYTHON, script().toString(), "receive", dataDir.toString(), TEAM, agent, "30"),
            work.resolve("py-receive.log"));
        InboxStore store = InboxStore.open(context())) {
      py.awaitLine("READY", WAIT);
      assertThat(store.negotiate(agent)).isEqualTo(TransportKind.ZMQ);
      for (int i = 0; i < 30; i++) {
        SendReceipt r =
            store.send(Message.of(TEAM, "leader", agent, "jv " + i + " π\n✓", Instant.now()));
        assertThat(r.transport()).isEqualTo(TransportKind.ZMQ);
      }
      assertThat(py.awaitExit(WAIT)).isZero();
      JsonMapper json = JsonMapper.builder().build();
      List<String> bodies = new ArrayList<>();
      for (String line : py.lines.subList(1, py.lines.size())) {
        bodies.add(json.readValue(line, String.class));
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        expected.add("jv " + i + " π\n✓");
      }
      assertThat(bodies).containsExactlyElementsOf(expected);
      // The durable copies wait in the inbox for a file-reading Python tool, unread.
      assertThat(store.peek(agent).items()).hasSize(30);
    }
  }
}
