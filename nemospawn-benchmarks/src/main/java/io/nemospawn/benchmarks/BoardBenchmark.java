package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.board.BoardOptions;
import io.nemospawn.board.BoardServer;
import io.nemospawn.core.FileTrees;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.TaskSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The web board ({@code nemospawn-board}): the first response ({@code GET /api/board}, what the
 * page reads on open) for a team of 10,000 tasks, and the fan-out latency of one change made
 * through the library to 100 live (SSE) clients on loopback: from {@code tasks().create(..)} until
 * every client has read the event.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar BoardBenchmark} (quick: add
 * {@code -f 1 -wi 1 -i 3}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class BoardBenchmark {

  /** A team of N tasks (a chain every 10) and its board. */
  @State(Scope.Benchmark)
  public static class Big {
    @Param({"10000"})
    public int tasks;

    Path dir;
    NemoSpawn ns;
    Team team;
    BoardServer board;
    HttpClient http;
    HttpRequest request;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-board-");
      ns = NemoSpawn.builder().dataDir(dir).durability(Durability.parse("none")).open();
      team = ns.newTeam("bench").create();
      String prev = null;
      for (int i = 0; i < tasks; i++) {
        TaskSpec s = TaskSpec.of("task " + i);
        prev =
            team.tasks().create(i % 10 != 0 && prev != null ? s.after(prev) : s).id();
      }
      board = BoardServer.start(team, BoardOptions.builder().port(0).build());
      http = HttpClient.newHttpClient();
      request = HttpRequest.newBuilder(board.uri().resolve("/api/board")).build();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      board.close();
      team.close();
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** A team with a board and 100 connected SSE clients counting one marker. */
  @State(Scope.Benchmark)
  public static class Clients {
    @Param({"100"})
    public int clients;

    Path dir;
    NemoSpawn ns;
    Team team;
    BoardServer board;
    final List<Socket> sockets = new ArrayList<>();
    final AtomicInteger received = new AtomicInteger();
    volatile String marker = "none";
    int n;

    @Setup(Level.Trial)
    public void open() throws Exception {
      dir = Files.createTempDirectory("nemospawn-bench-sse-");
      ns = NemoSpawn.builder().dataDir(dir).durability(Durability.parse("none")).open();
      team = ns.newTeam("bench").create();
      board = BoardServer.start(
          team, BoardOptions.builder().port(0).maxClients(clients).build());
      int port = board.address().getPort();
      for (int i = 0; i < clients; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.getOutputStream()
            .write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        sockets.add(s);
        Thread t = new Thread(() -> read(s), "bench-sse-" + i);
        t.setDaemon(true);
        t.start();
      }
      while (board.clients() < clients) {
        Thread.sleep(5);
      }
    }

    void read(Socket s) {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("data: ") && line.contains(marker)) {
            received.incrementAndGet();
          }
        }
      } catch (IOException e) {
        // closed at tear-down
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      for (Socket s : sockets) {
        s.close();
      }
      board.close();
      team.close();
      ns.close();
      FileTrees.deleteOrThrow(dir);
    }
  }

  /** The page's first read of a 10,000-task board. */
  @Benchmark
  public int firstResponse(Big b) throws Exception {
    HttpResponse<byte[]> r = b.http.send(b.request, HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode());
    }
    return r.body().length;
  }

  /** One task created through the library, until all 100 clients have read its event. */
  @Benchmark
  public int fanOut(Clients c) throws Exception {
    c.received.set(0);
    String title = "m" + (c.n++);
    c.marker = "\"title\":\"" + title + "\"";
    c.team.tasks().create(title);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (c.received.get() < c.clients) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(c.received.get() + " of " + c.clients + " clients");
      }
      Thread.onSpinWait();
    }
    return c.received.get();
  }
}
