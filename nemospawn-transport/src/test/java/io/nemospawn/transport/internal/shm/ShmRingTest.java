package io.nemospawn.transport.internal.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.Transport;
import io.nemospawn.TransportException;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShmRingTest {
  @TempDir
  Path dir;

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static long soon() {
    return System.nanoTime() + Duration.ofMillis(200).toNanos();
  }

  @Test
  void wrapsAroundWithPaddingAndKeepsOrder() throws Exception {
    try (ShmRing rx = ShmRing.openReceiver(dir.resolve("ring"), 4096);
        ShmRing tx = ShmRing.openSender(dir.resolve("ring"))) {
      for (int i = 0; i < 2_000; i++) {
        String payload = "record-" + i + "-" + "x".repeat(i % 300);
        assertThat(tx.offer(bytes(payload), soon())).isEqualTo(ShmRing.Offer.SENT);
        assertThat(new String(rx.poll(), StandardCharsets.UTF_8)).isEqualTo(payload);
      }
      assertThat(rx.poll()).isNull();
    }
  }

  @Test
  void aFullRingPushesBackUntilTheReceiverMakesRoom() throws Exception {
    try (ShmRing rx = ShmRing.openReceiver(dir.resolve("ring"), 4096);
        ShmRing tx = ShmRing.openSender(dir.resolve("ring"))) {
      byte[] kb = new byte[1016];
      int sent = 0;
      while (tx.offer(kb, soon()) == ShmRing.Offer.SENT) {
        sent++;
      }
      assertThat(sent).isEqualTo(4);
      assertThat(tx.offer(kb, soon())).isEqualTo(ShmRing.Offer.FULL);
      assertThat(rx.poll()).hasSize(1016);
      assertThat(tx.offer(kb, soon())).isEqualTo(ShmRing.Offer.SENT);
    }
  }

  @Test
  void refusesPayloadsOverHalfTheRing() throws Exception {
    try (ShmRing rx = ShmRing.openReceiver(dir.resolve("ring"), 4096)) {
      assertThatThrownBy(() -> rx.offer(new byte[2041], soon()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("payload of 2041 bytes exceeds the ring's limit of 2040 bytes");
    }
  }

  @Test
  void aSecondReceiverIsRefusedWhileTheFirstLives() throws Exception {
    try (ShmRing rx = ShmRing.openReceiver(dir.resolve("ring"), 4096)) {
      assertThatThrownBy(() -> ShmRing.openReceiver(dir.resolve("ring"), 4096))
          .isInstanceOf(java.io.IOException.class)
          .hasMessage(dir.resolve("ring") + " has a live receiver in this process");
    }
  }

  @Test
  void aReopenedReceiverFindsTheRecordsLeftInTheRing() throws Exception {
    Path ring = dir.resolve("ring");
    ShmRing first = ShmRing.openReceiver(ring, 4096);
    try (ShmRing tx = ShmRing.openSender(ring)) {
      tx.offer(bytes("one"), soon());
      tx.offer(bytes("two"), soon());
    }
    assertThat(first.poll()).isEqualTo(bytes("one"));
    first.close(); // as if the receiver died: the ring file stays
    try (ShmRing second = ShmRing.openReceiver(ring, 4096)) {
      assertThat(second.poll()).isEqualTo(bytes("two"));
      assertThat(second.poll()).isNull();
    }
  }

  @Test
  void aReceiverOfThisVersionAcceptsBinaryRecordsAndOneThatLeftTheWordStaleDoesNot()
      throws Exception {
    Path ring = dir.resolve("ring");
    try (ShmRing rx = ShmRing.openReceiver(ring, 4096);
        ShmRing tx = ShmRing.openSender(ring)) {
      assertThat(tx.acceptsBinary()).isTrue();
      // What a receiver that does not know the binary pid word leaves: its own pid beside a
      // stale binary pid.
      writeLong(ring, ShmRing.OFF_BINARY_PID, rx.receiverPid() + 1);
      assertThat(tx.acceptsBinary()).isFalse();
      writeLong(ring, ShmRing.OFF_BINARY_PID, rx.receiverPid());
      assertThat(tx.acceptsBinary()).isTrue();
    }
    try (ShmRing tx = ShmRing.openSender(createRing(ring))) {
      assertThat(tx.receiverPid()).isZero();
      assertThat(tx.acceptsBinary()).as("no receiver").isFalse();
    }
  }

  private static Path createRing(Path ring) throws Exception {
    ShmRing.openReceiver(ring, 4096).close();
    return ring;
  }

  private static void writeLong(Path file, int offset, long value) throws Exception {
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN)
          .putLong(0, value);
      ch.write(b, offset);
    }
  }

  @Test
  void recordsKeepTheirKindAndARecordOfAnUnknownKindIsSkippedAlone() throws Exception {
    Path ring = dir.resolve("ring");
    try (ShmRing rx = ShmRing.openReceiver(ring, 4096);
        ShmRing tx = ShmRing.openSender(ring)) {
      assertThat(tx.offer(ShmRing.KIND_BINARY, bytes("bin"), soon())).isEqualTo(ShmRing.Offer.SENT);
      assertThat(tx.offer(bytes("{}"), soon())).isEqualTo(ShmRing.Offer.SENT);
      ShmRing.Record r = new ShmRing.Record();
      assertThat(rx.poll(r)).isTrue();
      assertThat(r.kind()).isEqualTo(ShmRing.KIND_BINARY);
      assertThat(r.copy()).isEqualTo(bytes("bin"));
      assertThat(rx.poll(r)).isTrue();
      assertThat(r.kind()).isEqualTo(ShmRing.KIND_JSON);
      assertThat(r.copy()).isEqualTo(bytes("{}"));
      assertThat(rx.poll(r)).isFalse();
      assertThatThrownBy(() -> tx.offer(7, bytes("x"), soon()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Not a message record kind: 7");

      // A newer sender's record of kind 7 at position 32, then a JSON record after it.
      assertThat(tx.offer(bytes("placeholder!"), soon())).isEqualTo(ShmRing.Offer.SENT);
      assertThat(tx.offer(bytes("after"), soon())).isEqualTo(ShmRing.Offer.SENT);
      writeLong(ring, ShmRing.HEADER + 32, (7L << 32) | 12);
      assertThatThrownBy(() -> rx.poll(r))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Skipped a record of unknown kind 7 (12 bytes) at position 32");
      assertThat(rx.poll(r)).isTrue();
      assertThat(r.copy()).isEqualTo(bytes("after"));
    }
  }

  @Test
  void theTransportSendsBinaryToAReceiverThatReadsItAndJsonToOneThatDoesNot() throws Exception {
    TransportContext ctx = TransportContext.of(dir, "bin-1a2b3c4d")
        .withTransport(Transport.sharedMemory())
        .withDurability(Durability.NONE);
    String agent = "rx-00000001";
    try (ShmTransport receiving = new ShmTransport(ctx, 4096);
        TransportReceiver receiver = receiving.bind(agent);
        ShmTransport sending = new ShmTransport(ctx, 4096)) {
      Path ring = receiving.ringPath(agent);
      Instant t = Instant.parse("2026-12-04T17:00:00.123456789Z");
      Message a = new Message("0000000a", ctx.teamId(), "léader", agent, "ünï\n\"x\"", t, false);
      sending.send(a);
      assertThat(kindAtHead(ring)).isEqualTo(ShmRing.KIND_BINARY);
      assertThat(receiver.receive(Duration.ofSeconds(5))).contains(micros(a));

      writeLong(ring, ShmRing.OFF_BINARY_PID, 0); // as a receiver of the old layout leaves it
      Message b = new Message("0000000b", ctx.teamId(), "leader", agent, "json", t, false);
      sending.send(b);
      assertThat(kindAtHead(ring)).isEqualTo(ShmRing.KIND_JSON);
      assertThat(receiver.receive(Duration.ofSeconds(5))).contains(micros(b));
    }
  }

  /** The message as both envelopes carry it: the timestamp to the microsecond. */
  private static Message micros(Message m) {
    return new Message(
        m.id(),
        m.teamId(),
        m.from(),
        m.to(),
        m.body(),
        m.timestamp().truncatedTo(java.time.temporal.ChronoUnit.MICROS),
        m.read());
  }

  /** The kind of the record at the ring's head (the next to be received). */
  private static long kindAtHead(Path ring) throws Exception {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(ring)) {
      java.nio.ByteBuffer b =
          java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(b, ShmRing.OFF_HEAD);
      long head = b.getLong(0);
      b.clear();
      ch.read(b, ShmRing.HEADER + head % (ch.size() - ShmRing.HEADER));
      return b.getLong(0) >>> 32;
    }
  }

  @Test
  void sendToAFullRingFailsWithinTheTimeoutAndTheStoreFallsBackToTheInbox() throws Exception {
    TransportContext ctx = TransportContext.of(dir, "full-1a2b3c4d")
        .withTransport(Transport.sharedMemory())
        .withDurability(Durability.NONE)
        .withSendTimeout(Duration.ofMillis(300));
    String agent = "slow-00000001";
    try (ShmTransport receiving = new ShmTransport(ctx, 4096);
        TransportReceiver receiver = receiving.bind(agent);
        ShmTransport sending = new ShmTransport(ctx, 4096)) {
      String body = "y".repeat(800);
      int sent = 0;
      TransportException full = null;
      while (full == null) {
        try {
          sending.send(Message.of(ctx.teamId(), "leader", agent, body, Instant.now()));
          sent++;
        } catch (TransportException e) {
          full = e;
        }
      }
      assertThat(sent).isBetween(1, 4);
      assertThat(full.getMessage())
          .contains(": the ring is full (the receiver is not keeping up)"
              + " after PT0.3S; it waits in the inbox");
      try (InboxStore store = InboxStore.open(ctx)) {
        SendReceipt r = store.send(Message.of(ctx.teamId(), "leader", agent, body, Instant.now()));
        assertThat(r.transport()).isEqualTo(TransportKind.FILE);
        assertThat(store.peek(agent).items()).hasSize(1);
      }
      assertThat(receiver.poll()).isPresent();
    }
  }
}
