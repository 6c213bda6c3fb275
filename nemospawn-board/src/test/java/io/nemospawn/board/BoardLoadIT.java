package io.nemospawn.board;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.board.internal.EventHub;
import io.nemospawn.task.Task;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 live clients on loopback and one that never reads: every reader gets each event within a
 * bound, the stuck one is dropped once its queue is full, threads and queued memory stay bounded.
 */
class BoardLoadIT {
  static final int READERS = 100;
  static final int QUEUE = 32;

  /** A client that reads every line and remembers which markers it saw and when. */
  static final class Reader implements Runnable {
    final Socket socket;
    final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
    final AtomicInteger resyncs = new AtomicInteger();
    final AtomicInteger lastFlood = new AtomicInteger(-1);
    final CountDownLatch connected = new CountDownLatch(1);

    Reader(int port) throws Exception {
      socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket
          .getOutputStream()
          .write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void run() {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith(": connected")) {
            connected.countDown();
          } else if (line.startsWith("event: resync")) {
            resyncs.incrementAndGet();
          } else if (line.startsWith("data: ") && line.contains("\"state\":\"done\"")) {
            seen.putIfAbsent("task-done", System.nanoTime());
          } else if (line.startsWith("data: {\"marker\":\"flood-")) {
            lastFlood.set(Integer.parseInt(line.substring(23, line.indexOf('"', 23))));
          } else if (line.startsWith("data: {\"marker\":")) {
            seen.put(line.substring(17, line.indexOf('"', 17)), System.nanoTime());
          }
        }
      } catch (Exception e) {
        // closed at the end
      }
    }
  }

  @Test
  void hundredClientsAndAStuckOne(@TempDir Path data) throws Exception {
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team team = ns.newTeam("load").create();
        BoardServer board = BoardServer.start(
            team,
            BoardOptions.builder()
                .port(0)
                .maxClients(READERS + 1)
                .clientQueue(QUEUE)
                .build())) {
      int port = board.address().getPort();
      List<Reader> readers = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        Reader r = new Reader(port);
        readers.add(r);
        Thread t = new Thread(r, "reader-" + i);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      // the stuck client: a tiny receive window, and it never reads
      Socket stuck = new Socket();
      stuck.setReceiveBufferSize(4096);
      stuck.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      stuck
          .getOutputStream()
          .write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      for (Reader r : readers) {
        assertThat(r.connected.await(20, TimeUnit.SECONDS)).isTrue();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (board.clients() < READERS + 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(board.clients()).isEqualTo(READERS + 1);
      EventHub hub = board.http().hub();

      // 1. an event from the library reaches all 100 readers within the bound (which only catches a
      // lost event: 100 reader threads on a loaded 2-core runner; the worst time is printed)
      Task task = team.tasks().create("load");
      long t0 = System.nanoTime();
      hub.publish("x", "{\"marker\":\"first\"}");
      team.tasks().complete(task.id());
      awaitMarker(readers, "first", Duration.ofSeconds(20));
      awaitMarker(readers, "task-done", Duration.ofSeconds(20));
      long worst =
          readers.stream().mapToLong(r -> r.seen.get("first") - t0).max().orElseThrow();
      System.out.printf("first event to %d clients: worst %.1f ms%n", READERS, worst / 1e6);

      // 2. publish 16 KiB events until the stuck client is dropped, no faster than the readers
      // read (at most QUEUE / 2 behind), so only the one that never reads can fall behind
      String pad = "p".repeat(16 * 1024);
      int sent = 0;
      long floodEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (board.droppedClients() == 0 && sent < 20_000 && System.nanoTime() < floodEnd) {
        hub.publish("x", "{\"marker\":\"flood-" + sent + "\",\"pad\":\"" + pad + "\"}");
        sent++;
        while (sent
                    - 1
                    - readers.stream().mapToInt(r -> r.lastFlood.get()).min().orElseThrow()
                > QUEUE / 2
            && System.nanoTime() < floodEnd) {
          Thread.sleep(1);
        }
        assertThat(hub.queuedEvents()).isLessThanOrEqualTo((long) (READERS + 1) * QUEUE);
      }
      System.out.printf("stuck client dropped after %d events of 16 KiB%n", sent);
      assertThat(board.droppedClients()).isEqualTo(1);
      assertThat(board.clients()).isEqualTo(READERS);

      // 3. the readers are unaffected: the next event reaches every one within the bound
      long t1 = System.nanoTime();
      hub.publish("x", "{\"marker\":\"last\"}");
      awaitMarker(readers, "last", Duration.ofSeconds(20));
      long worstLast =
          readers.stream().mapToLong(r -> r.seen.get("last") - t1).max().orElseThrow();
      System.out.printf(
          "event after the flood to %d clients: worst %.1f ms%n", READERS, worstLast / 1e6);
      assertThat(readers).allSatisfy(r -> assertThat(r.resyncs.get()).isZero());

      // bounded threads: one per live client plus a few spare, never more
      assertThat(board.http().threads()).isLessThanOrEqualTo(board.http().maxThreads());
      assertThat(board.http().maxThreads()).isEqualTo(READERS + 1 + 8);
      assertThat(hub.queuedEvents()).isLessThanOrEqualTo((long) READERS * QUEUE);

      // a 102nd client beyond the limit gets 503 (the stuck one still holds its slot? no: dropped)
      stuck.close();
      for (Reader r : readers) {
        r.socket.close();
      }
      for (Thread t : threads) {
        t.join(5000);
      }
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (board.clients() > 0 && System.nanoTime() < deadline) {
        hub.publish("x", "{\"marker\":\"bye\"}");
        Thread.sleep(50);
      }
      assertThat(board.clients()).isZero();
    }
  }

  static void awaitMarker(List<Reader> readers, String marker, Duration bound)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (readers.stream().allMatch(r -> r.seen.containsKey(marker))) {
        return;
      }
      Thread.sleep(2);
    }
    long missing = readers.stream().filter(r -> !r.seen.containsKey(marker)).count();
    throw new AssertionError(missing + " of " + readers.size() + " clients did not get '" + marker
        + "' within " + bound);
  }
}
