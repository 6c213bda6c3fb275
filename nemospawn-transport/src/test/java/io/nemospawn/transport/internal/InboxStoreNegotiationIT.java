package io.nemospawn.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Listing;
import io.nemospawn.Subscription;
import io.nemospawn.Transport;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The InboxStore over each configured transport: negotiation, durable record, dedupe. */
class InboxStoreNegotiationIT {
  static final String TEAM = "nego-1a2b3c4d";
  static final String AGENT = "worker-0badc0de";
  static final URI LOOPBACK = URI.create("tcp://127.0.0.1:0");

  @TempDir
  Path dataDir;

  static Stream<Arguments> transports() {
    return Stream.of(
        Arguments.of(Transport.file(), TransportKind.FILE),
        Arguments.of(Transport.zmq(LOOPBACK), TransportKind.ZMQ),
        Arguments.of(Transport.sharedMemory(), TransportKind.SHM),
        Arguments.of(Transport.auto(LOOPBACK), TransportKind.SHM));
  }

  TransportContext context(Transport t) {
    return TransportContext.of(dataDir, TEAM)
        .withTransport(t)
        .withDurability(Durability.NONE)
        .withSendTimeout(Duration.ofSeconds(3));
  }

  @ParameterizedTest
  @MethodSource("transports")
  void negotiatesDeliversOnceAndMarksTheDurableRecordRead(Transport t, TransportKind expected)
      throws Exception {
    try (InboxStore receiver = InboxStore.open(context(t));
        InboxStore sender = InboxStore.open(context(t))) {
      // Nobody listens yet: the message waits in the inbox.
      assertThat(sender.negotiate(AGENT)).isEqualTo(TransportKind.FILE);
      SendReceipt early = sender.send(Message.of(TEAM, "leader", AGENT, "early", Instant.now()));
      assertThat(early.transport()).isEqualTo(TransportKind.FILE);
      assertThat(early.file()).exists();

      List<Message> got = new CopyOnWriteArrayList<>();
      try (Subscription s = receiver.subscribe(AGENT, got::add, p -> {})) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 1);
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> sender.negotiate(AGENT) == expected);
        List<SendReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          receipts.add(sender.send(Message.of(TEAM, "leader", AGENT, "m" + i, Instant.now())));
        }
        assertThat(receipts).allSatisfy(r -> {
          assertThat(r.transport()).isEqualTo(expected);
          assertThat(r.file()).exists();
        });
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> got.size() == 101);
        // Nothing more arrives: every fast copy and file copy was deduplicated.
        assertThat(receiver.receive(AGENT, Duration.ofMillis(500)).items()).isEmpty();
      }
      assertThat(got.get(0).body()).isEqualTo("early");
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 100; i++) {
        assertThat(got.get(i + 1).body()).isEqualTo("m" + i);
        assertThat(ids.add(got.get(i + 1).id())).isTrue();
      }
      Listing<Message> all = sender.history(AGENT);
      assertThat(all.items()).hasSize(101).allMatch(Message::read);
      assertThat(sender.peek(AGENT).items()).isEmpty();
    }
    if (expected != TransportKind.FILE) {
      assertThat(dataDir.resolve("teams/" + TEAM + "/endpoints/" + AGENT + ".json"))
          .as("the endpoint record is withdrawn on close")
          .doesNotExist();
    }
  }

  @ParameterizedTest
  @MethodSource("transports")
  void receiveWithTimeoutWakesOnTheFastPath(Transport t, TransportKind expected) throws Exception {
    try (InboxStore receiver = InboxStore.open(context(t));
        InboxStore sender = InboxStore.open(context(t))) {
      assertThat(receiver.receive(AGENT, Duration.ofMillis(50)).isEmpty()).isTrue();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> sender.negotiate(AGENT) == expected);
      for (int round = 0; round < 20; round++) {
        SendReceipt r = sender.send(Message.of(TEAM, "leader", AGENT, "r" + round, Instant.now()));
        assertThat(r.transport()).isEqualTo(expected);
        List<Message> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (got.isEmpty() && System.nanoTime() < deadline) {
          got.addAll(receiver.receive(AGENT, Duration.ofSeconds(30)).items());
        }
        assertThat(got).extracting(Message::body).containsExactly("r" + round);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("transports")
  void aFastEnvelopeWithoutFileStillGetsItsDurableRecord(Transport t, TransportKind expected)
      throws Exception {
    if (expected == TransportKind.FILE) {
      return;
    }
    try (InboxStore receiver = InboxStore.open(context(t))) {
      assertThat(receiver.receive(AGENT, Duration.ofMillis(50)).isEmpty()).isTrue();
      // A peer (say, Python) that pushes over the fast transport without writing the file.
      try (var raw = expected == TransportKind.SHM
          ? new io.nemospawn.transport.internal.shm.ShmTransport(context(t), 1 << 20)
          : new io.nemospawn.transport.internal.zmq.ZmqTransport(context(t))) {
        Message m = Message.of(TEAM, "python-peer", AGENT, "fast only", Instant.now());
        raw.send(m);
        Listing<Message> got = receiver.receive(AGENT, Duration.ofSeconds(30));
        assertThat(got.items()).extracting(Message::body).containsExactly("fast only");
        Path file = dataDir.resolve("teams/" + TEAM + "/inbox/" + AGENT + "/" + m.fileName());
        assertThat(Files.readString(file)).contains("\"read\": true");
      }
    }
  }
}
