package io.nemospawn.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.Subscription;
import io.nemospawn.TransportException;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link MessageTransport} passes: ordering per sender, no loss, timeouts,
 * close while blocked, large bodies, unicode, many senders, subscriptions.
 */
abstract class TransportContract {
  static final String TEAM = "contract-1a2b3c4d";
  static final String AGENT = "worker-0badc0de";
  static final Duration LONG = Duration.ofSeconds(30);

  @TempDir
  Path dataDir;

  final List<AutoCloseable> open = new ArrayList<>();
  MessageTransport receiverSide;
  MessageTransport senderSide;
  TransportReceiver receiver;

  /** Opens one transport instance (as a separate process would). */
  abstract MessageTransport open(TransportContext context);

  /** Whether a send fails when no receiver is bound (false for files, which always reach). */
  abstract boolean needsReceiver();

  TransportContext context() {
    return TransportContext.of(dataDir, TEAM)
        .withDurability(Durability.NONE)
        .withSendTimeout(Duration.ofSeconds(15));
  }

  MessageTransport track(MessageTransport t) {
    open.add(t);
    return t;
  }

  @BeforeEach
  void bind() {
    receiverSide = track(open(context()));
    senderSide = track(open(context()));
    receiver = receiverSide.bind(AGENT);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  static Message msg(String from, String body) {
    return Message.of(TEAM, from, AGENT, body, Instant.now());
  }

  Message next() throws InterruptedException {
    Optional<Message> m = receiver.receive(LONG);
    assertThat(m).as("a message within %s", LONG).isPresent();
    return m.get();
  }

  @Test
  void deliversEverythingInOrderPerSender() throws Exception {
    assertThat(senderSide.canReach(AGENT)).isTrue();
    for (int i = 0; i < 300; i++) {
      senderSide.send(msg("leader", "m" + i));
    }
    for (int i = 0; i < 300; i++) {
      assertThat(next().body()).isEqualTo("m" + i);
    }
    assertThat(receiver.poll()).isEmpty();
  }

  @Test
  void manySendersLoseNothingAndKeepEachOnesOrder() throws Exception {
    int senders = 4;
    int each = 150;
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      MessageTransport t = track(open(context()));
      String from = "sender-" + s;
      futures.add(CompletableFuture.runAsync(() -> {
        for (int i = 0; i < each; i++) {
          t.send(msg(from, from + ":" + i));
        }
      }));
    }
    // Senders finish first (the rings and queues hold 600 messages), so a failed send shows here.
    CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
    Map<String, Integer> nextIndex = new HashMap<>();
    Set<String> ids = new HashSet<>();
    for (int k = 0; k < senders * each; k++) {
      Message m = next();
      assertThat(ids.add(m.id())).as("no duplicate %s", m.id()).isTrue();
      int i = Integer.parseInt(m.body().substring(m.body().indexOf(':') + 1));
      assertThat(i).as("order of %s", m.from()).isEqualTo(nextIndex.getOrDefault(m.from(), 0));
      nextIndex.put(m.from(), i + 1);
    }
    assertThat(nextIndex).hasSize(senders).allSatisfy((k, v) -> assertThat(v).isEqualTo(each));
  }

  @Test
  void carriesLargeBodiesAndUnicodeVerbatim() throws Exception {
    String unicode = "héllo ✓ 日本語 \uD83D\uDE80 \"quotes\" \\ \n\t\u0001 \u2028 end";
    StringBuilder big = new StringBuilder();
    while (big.length() < 1_000_000) {
      big.append("0123456789abcdef✓");
    }
    senderSide.send(msg("leader", unicode));
    senderSide.send(msg("leader", big.toString()));
    assertThat(next().body()).isEqualTo(unicode);
    assertThat(next().body()).isEqualTo(big.toString());
  }

  @Test
  void envelopeKeepsEveryField() throws Exception {
    Message sent = new Message(
        "0a1b2c3d",
        TEAM,
        "leader",
        AGENT,
        "x",
        Instant.parse("2026-11-21T19:01:51.212059Z"),
        false);
    senderSide.send(sent);
    Message got = next();
    assertThat(got.id()).isEqualTo(sent.id());
    assertThat(got.teamId()).isEqualTo(TEAM);
    assertThat(got.from()).isEqualTo("leader");
    assertThat(got.to()).isEqualTo(AGENT);
    assertThat(got.timestamp()).isEqualTo(sent.timestamp());
  }

  @Test
  void receiveTimesOutAndPollDoesNotBlock() throws Exception {
    assertThat(receiver.poll()).isEmpty();
    long start = System.nanoTime();
    assertThat(receiver.receive(Duration.ofMillis(300))).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isBetween(Duration.ofMillis(290), Duration.ofSeconds(20));
  }

  @Test
  void closeWakesABlockedReceive() throws Exception {
    CompletableFuture<Optional<Message>> blocked = CompletableFuture.supplyAsync(() -> {
      try {
        return receiver.receive(Duration.ofMinutes(5));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.onSpinWait();
    receiver.close();
    assertThat(blocked.get(20, TimeUnit.SECONDS)).isEmpty();
    assertThatThrownBy(receiver::poll)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("The receiver of agent 'worker-0badc0de' is closed; bind a new one");
  }

  @Test
  void anInterruptedReceiveThrowsAndTheReceiverKeepsWorking() throws Exception {
    Thread receiving = Thread.currentThread();
    CompletableFuture<Void> interrupter = CompletableFuture.runAsync(() -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
      receiving.interrupt();
    });
    try {
      assertThatThrownBy(() -> receiver.receive(Duration.ofSeconds(20)))
          .isInstanceOf(InterruptedException.class);
    } finally {
      interrupter.join();
      Thread.interrupted();
    }
    senderSide.send(msg("leader", "after the interrupt"));
    assertThat(next().body()).isEqualTo("after the interrupt");
  }

  @Test
  void subscriptionDeliversEachMessageToTheCallback() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    try (Subscription s = receiver.subscribe(m -> got.add(m.body()))) {
      for (int i = 0; i < 20; i++) {
        senderSide.send(msg("leader", "s" + i));
      }
      Awaitility.await().atMost(LONG).until(() -> got.size() == 20);
    }
    for (int i = 0; i < 20; i++) {
      assertThat(got.get(i)).isEqualTo("s" + i);
    }
  }

  @Test
  void sendToAnAgentWithoutReceiverFailsWithinTheTimeoutOrWaitsInTheInbox() {
    String absent = "absent-00000000";
    if (!needsReceiver()) {
      assertThat(senderSide.canReach(absent)).isTrue();
      senderSide.send(Message.of(TEAM, "leader", absent, "later", Instant.now()));
      return;
    }
    assertThat(senderSide.canReach(absent)).isFalse();
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> senderSide.send(Message.of(TEAM, "leader", absent, "x", Instant.now())))
        .isInstanceOf(TransportException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void sendAfterTheReceiverClosedDoesNotBlockForever() {
    receiver.close();
    long start = System.nanoTime();
    if (needsReceiver()) {
      assertThat(senderSide.canReach(AGENT)).isFalse();
      assertThatThrownBy(() -> senderSide.send(msg("leader", "gone")))
          .isInstanceOf(TransportException.class);
    } else {
      senderSide.send(msg("leader", "waits in the inbox"));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }
}
