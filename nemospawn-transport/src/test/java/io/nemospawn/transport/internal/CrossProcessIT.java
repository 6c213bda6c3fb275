package io.nemospawn.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.transport.internal.shm.ShmTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real child processes: delivery between processes, a receiver killed and restarted, crashes. */
class CrossProcessIT {
  static final String TEAM = "xproc-1a2b3c4d";
  static final String AGENT = "worker-0badc0de";
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dataDir;

  @TempDir
  Path logs;

  TransportContext context(String transport) {
    return TransportPeerMain.context(dataDir, TEAM, transport);
  }

  ChildProcess receiver(String transport, int count) throws Exception {
    ChildProcess c = ChildProcess.java(
        logs.resolve("receiver.log"),
        "receive",
        dataDir.toString(),
        TEAM,
        AGENT,
        transport,
        Integer.toString(count));
    c.awaitLine("READY", WAIT);
    return c;
  }

  static List<String> expected(String prefix, int from, int to) {
    List<String> l = new ArrayList<>();
    for (int i = from; i < to; i++) {
      l.add(prefix + i);
    }
    return l;
  }

  @ParameterizedTest
  @CsvSource({"file, FILE", "tcp://127.0.0.1:0, ZMQ", "shm, SHM"})
  void deliversInOrderToAReceiverInAnotherProcess(String transport, TransportKind kind)
      throws Exception {
    try (ChildProcess child = receiver(transport, 200);
        InboxStore store = InboxStore.open(context(transport))) {
      Awaitility.await().atMost(WAIT).until(() -> store.negotiate(AGENT) == kind);
      for (int i = 0; i < 200; i++) {
        SendReceipt r = store.send(Message.of(TEAM, "leader", AGENT, "m" + i, Instant.now()));
        assertThat(r.transport()).isEqualTo(kind);
      }
      assertThat(child.awaitExit(WAIT)).isZero();
      assertThat(child.lines)
          .containsExactlyElementsOf(concat(List.of("READY"), expected("m", 0, 200)));
    }
  }

  @ParameterizedTest
  @CsvSource({"file", "tcp://127.0.0.1:0", "shm"})
  void aReceiverKilledAndRestartedLosesNothing(String transport) throws Exception {
    try (InboxStore store = InboxStore.open(context(transport))) {
      try (ChildProcess first = receiver(transport, 1_000_000)) {
        for (int i = 0; i < 50; i++) {
          store.send(Message.of(TEAM, "leader", AGENT, "a" + i, Instant.now()));
        }
        first.awaitLines(51, WAIT);
        first.kill();
        assertThat(first.lines)
            .containsExactlyElementsOf(concat(List.of("READY"), expected("a", 0, 50)));
      }
      // Sent while the receiver is down: negotiation sees a dead endpoint and uses files.
      for (int i = 0; i < 50; i++) {
        SendReceipt r = store.send(Message.of(TEAM, "leader", AGENT, "b" + i, Instant.now()));
        assertThat(r.transport()).isEqualTo(TransportKind.FILE);
      }
      try (ChildProcess second = receiver(transport, 50)) {
        assertThat(second.awaitExit(WAIT)).isZero();
        assertThat(second.lines)
            .containsExactlyElementsOf(concat(List.of("READY"), expected("b", 0, 50)));
      }
    }
  }

  @Test
  void aSenderInAnotherProcessDeliversThroughTheStore() throws Exception {
    try (InboxStore store = InboxStore.open(context("auto"))) {
      assertThat(store.receive(AGENT, Duration.ofMillis(1)).isEmpty()).isTrue();
      try (ChildProcess child = ChildProcess.java(
          logs.resolve("sender.log"),
          "send",
          dataDir.toString(),
          TEAM,
          AGENT,
          "auto",
          "100",
          "c")) {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < 100 && System.nanoTime() < deadline) {
          store.receive(AGENT, Duration.ofSeconds(1)).items().forEach(m -> got.add(m.body()));
        }
        assertThat(got).containsExactlyElementsOf(expected("c", 0, 100));
        assertThat(child.awaitExit(WAIT)).isZero();
      }
    }
  }

  @Test
  void aSenderKilledMidWriteLeavesTheRingIntact() throws Exception {
    TransportContext ctx = context("shm").withDurability(Durability.NONE);
    try (ShmTransport receiving = new ShmTransport(ctx, 1 << 20);
        TransportReceiver receiver = receiving.bind(AGENT);
        ShmTransport sending = new ShmTransport(ctx, 1 << 20)) {
      sending.send(Message.of(TEAM, "leader", AGENT, "before", Instant.now()));
      try (ChildProcess crasher = ChildProcess.java(
          logs.resolve("crash.log"),
          "crash-mid-write",
          receiving.ringPath(AGENT).toString())) {
        assertThat(crasher.awaitExit(WAIT)).isEqualTo(3);
        assertThat(crasher.lines).containsExactly("CRASHING");
      }
      // The dead sender holds the send lock and left half a record: the next sender takes over.
      sending.send(Message.of(TEAM, "leader", AGENT, "after", Instant.now()));
      assertThat(receiver.receive(WAIT).map(Message::body)).contains("before");
      assertThat(receiver.receive(WAIT).map(Message::body)).contains("after");
      assertThat(receiver.poll()).isEmpty();
    }
  }

  @Test
  void aSenderKilledAtARandomMomentLeavesOnlyWholeMessages() throws Exception {
    TransportContext ctx = context("shm");
    try (ShmTransport receiving = new ShmTransport(ctx, 1 << 20);
        TransportReceiver receiver = receiving.bind(AGENT)) {
      List<String> got = new ArrayList<>();
      try (ChildProcess child = ChildProcess.java(
          logs.resolve("forever.log"), "shm-send-forever", dataDir.toString(), TEAM, AGENT)) {
        child.awaitLine("SENDING", WAIT);
        while (got.size() < 2_000) {
          receiver.receive(WAIT).ifPresent(m -> got.add(m.body()));
        }
        child.kill();
      }
      Optional<Message> m;
      while ((m = receiver.poll()).isPresent()) {
        got.add(m.get().body());
      }
      assertThat(got).containsExactlyElementsOf(expected("k", 0, got.size()));
      try (ShmTransport sending = new ShmTransport(ctx, 1 << 20)) {
        sending.send(Message.of(TEAM, "leader", AGENT, "still works", Instant.now()));
      }
      assertThat(receiver.receive(WAIT).map(Message::body)).contains("still works");
    }
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> l = new ArrayList<>(a);
    l.addAll(b);
    return l;
  }
}
