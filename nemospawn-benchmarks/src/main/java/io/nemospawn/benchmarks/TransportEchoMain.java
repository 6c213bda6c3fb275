package io.nemospawn.benchmarks;

import io.nemospawn.inbox.Message;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportReceiver;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The echo process of {@link TransportBenchmark}: binds {@code bench-echo} on one transport and
 * answers each message to {@code bench-parent}; the answer's body is the receive time ({@link
 * System#nanoTime()}, one clock for all processes of a Linux host) so the parent can compute
 * one-way latency. A body starting with {@code bulk} is answered only when it is {@code
 * bulk-last}. Exits when its stdin closes.
 *
 * <p>Usage: {@code TransportEchoMain DATA_DIR TEAM KIND}
 */
public final class TransportEchoMain {
  private TransportEchoMain() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (MessageTransport t = TransportBenchmark.open(Path.of(args[0]), args[1], args[2]);
        TransportReceiver r = t.bind(TransportBenchmark.ECHO)) {
      Thread watchdog = new Thread(() -> {
        try {
          while (System.in.read() >= 0) {
            // Wait for the parent to close our stdin (or die).
          }
        } catch (java.io.IOException ignored) {
          // Parent gone.
        }
        Runtime.getRuntime().halt(0);
      });
      watchdog.setDaemon(true);
      watchdog.start();
      out.println("READY");
      while (true) {
        Optional<Message> m = r.receive(Duration.ofSeconds(1));
        if (m.isEmpty()) {
          continue;
        }
        long at = System.nanoTime();
        String body = m.get().body();
        if (body.startsWith("bulk") && !body.equals("bulk-last")) {
          continue;
        }
        t.send(Message.of(
            m.get().teamId(),
            TransportBenchmark.ECHO,
            TransportBenchmark.PARENT,
            Long.toString(at),
            Instant.now()));
      }
    }
  }
}
