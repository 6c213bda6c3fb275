package io.nemospawn.transport.internal;

import io.nemospawn.Transport;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.transport.internal.shm.ShmRing;
import io.nemospawn.transport.internal.shm.ShmTransport;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A child process for cross-process and fault tests (run by the current {@code java}).
 *
 * <pre>
 * receive DATA TEAM AGENT TRANSPORT COUNT   print "READY", then each received body, then exit
 * send DATA TEAM TO TRANSPORT COUNT PREFIX  send COUNT messages PREFIX0.. through an InboxStore
 * shm-send-forever DATA TEAM TO             push k0, k1, ... over shared memory until killed
 * crash-mid-write RING                      leave a half record and the send lock, then die
 * echo DATA TEAM AGENT TRANSPORT            answer every message to its sender (benchmarks)
 * </pre>
 */
final class TransportPeerMain {
  private TransportPeerMain() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    switch (args[0]) {
      case "receive" ->
        receive(out, Path.of(args[1]), args[2], args[3], args[4], Integer.parseInt(args[5]));
      case "send" ->
        send(Path.of(args[1]), args[2], args[3], args[4], Integer.parseInt(args[5]), args[6]);
      case "shm-send-forever" -> shmSendForever(out, Path.of(args[1]), args[2], args[3]);
      case "crash-mid-write" -> {
        ShmRing ring = ShmRing.openSender(Path.of(args[1]));
        ring.simulateCrashMidWrite(
            "{\"half\": \"record\"}".repeat(20).getBytes(StandardCharsets.UTF_8));
        out.println("CRASHING");
        Runtime.getRuntime().halt(3);
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  static TransportContext context(Path dataDir, String team, String transport) {
    return TransportContext.of(dataDir, team)
        .withTransport(Transport.parse(transport))
        .withDurability(Durability.NONE)
        .withSendTimeout(Duration.ofSeconds(2));
  }

  private static void receive(
      PrintStream out, Path dataDir, String team, String agent, String transport, int count)
      throws InterruptedException {
    try (InboxStore store = InboxStore.open(context(dataDir, team, transport))) {
      int got = 0;
      List<Message> first = store.receive(agent, Duration.ofMillis(1)).items();
      out.println("READY");
      for (Message m : first) {
        out.println(m.body());
        got++;
      }
      while (got < count) {
        for (Message m : store.receive(agent, Duration.ofSeconds(1)).items()) {
          out.println(m.body());
          got++;
        }
      }
    }
  }

  private static void send(
      Path dataDir, String team, String to, String transport, int count, String prefix) {
    try (InboxStore store = InboxStore.open(context(dataDir, team, transport))) {
      for (int i = 0; i < count; i++) {
        store.send(Message.of(team, "child", to, prefix + i, Instant.now()));
      }
    }
  }

  private static void shmSendForever(PrintStream out, Path dataDir, String team, String to) {
    try (ShmTransport t = new ShmTransport(context(dataDir, team, "shm"), 1 << 20)) {
      out.println("SENDING");
      for (long i = 0; ; i++) {
        Message m = Message.of(team, "child", to, "k" + i, Instant.now());
        while (true) {
          try {
            t.send(m);
            break;
          } catch (io.nemospawn.TransportException e) {
            // The ring is full: the receiver is behind; try again.
          }
        }
      }
    }
  }
}
