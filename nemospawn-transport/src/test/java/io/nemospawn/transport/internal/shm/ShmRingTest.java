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
