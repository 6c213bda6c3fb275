package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import io.nemospawn.spi.Durability;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The control plane ({@code nemospawn-server}) on loopback: the round trip of one {@code
 * nemospawn.v1} command through the Java client ({@code tasks().get(..)}: request line, dispatch,
 * library call, reply line), sampled for p50/p99; and events fanned out to 100 connected clients
 * (a batch of 1,000 published events until every client has read the last one).
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar ControlPlaneBenchmark}
 * (quick: add {@code -f 1 -wi 1 -i 3}).
 */
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class ControlPlaneBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A served data directory with one team and one task, and a connected client. */
  @State(Scope.Benchmark)
  public static class Served {
    Path dir;
    NemoSpawn local;
    ControlPlanes.Served served;
    NemoSpawn remote;
    Team team;
    String taskId;
    String key;

    @Setup(Level.Trial)
    public void start() throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-cp-");
      key = ControlPlane.ensureKey(dir).orElseThrow();
      local =
          NemoSpawn.builder().dataDir(dir).durability(Durability.parse("none")).open();
      local.newTeam("bench").create().close();
      served = ControlPlanes.serve(
          local, ControlPlane.Options.defaults(dir).withAddress("127.0.0.1", 0));
      remote = NemoSpawn.connect(served.server().url(), key);
      team = remote.team("bench");
      taskId = team.tasks().create("t").id();
    }

    @TearDown(Level.Trial)
    public void stop() {
      remote.close();
      served.close();
      local.close();
    }
  }

  /** 100 clients that said hello and count the events they read. */
  @State(Scope.Benchmark)
  public static class Fanout {
    static final int CLIENTS = 100;
    Served s;
    final List<Socket> sockets = new ArrayList<>();
    final AtomicLong[] lastSeen = new AtomicLong[CLIENTS];
    /** Events the server dropped for a client whose queue was full (reported at tear-down). */
    final AtomicLong dropped = new AtomicLong();

    ObjectNode data;

    @Setup(Level.Trial)
    public void start() throws IOException {
      s = new Served();
      s.start();
      data = JSON.createObjectNode().put("swarm_id", "s-1").put("content", "x".repeat(200));
      for (int i = 0; i < CLIENTS; i++) {
        Socket so = new Socket("127.0.0.1", s.served.server().port());
        sockets.add(so);
        so.getOutputStream()
            .write(("{\"protocol\":\"" + ControlPlane.CODESWARM_V1
                    + "\",\"command\":\"hello\",\"request_id\":\"h\",\"payload\":{\"key\":\""
                    + s.key
                    + "\"}}\n")
                .getBytes(StandardCharsets.UTF_8));
        AtomicLong seen = new AtomicLong();
        lastSeen[i] = seen;
        BufferedReader r =
            new BufferedReader(new InputStreamReader(so.getInputStream(), StandardCharsets.UTF_8));
        Thread t = new Thread(() -> {
          try {
            String line;
            while ((line = r.readLine()) != null) {
              int at = line.indexOf("\"seq\":");
              if (at >= 0) {
                int end = line.indexOf(',', at);
                seen.set(Long.parseLong(line.substring(at + 6, end)));
              } else if (line.contains("\"events_dropped\"")) {
                // a client that fell a queue behind: count what it missed, so the wait for the
                // last event ends and the tear-down reports it instead of hanging
                var d = JSON.readTree(line).path("data");
                long first = d.path("first_seq").asLong();
                long lastDropped = d.path("last_seq").asLong();
                dropped.addAndGet(lastDropped - first + 1);
                seen.accumulateAndGet(lastDropped, Math::max);
              }
            }
          } catch (IOException e) {
            // closed at tear-down
          }
        });
        t.setDaemon(true);
        t.start();
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      if (dropped.get() > 0) {
        System.err.println("fanOut: the server dropped " + dropped.get()
            + " events for clients that fell a queue behind (the score counts them as sent)");
      }
      for (Socket so : sockets) {
        so.close();
      }
      s.stop();
    }
  }

  /** One nemospawn.v1 command's round trip through the Java client. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Object roundTrip(Served s) {
    return s.team.tasks().get(s.taskId);
  }

  /** 1,000 events published and read by all 100 clients (score: events per second). */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(1000)
  public long fanOut(Fanout f) throws InterruptedException {
    long last = 0;
    for (int i = 0; i < 1000; i++) {
      last = f.s.served.server().publish(ControlPlane.CODESWARM_V1, "assistant_delta", f.data);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (int i = 0; i < f.lastSeen.length; i++) {
      while (f.lastSeen[i].get() < last) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("fanOut: client " + i + " read up to event "
              + f.lastSeen[i].get() + " of " + last + " in 120 s; is the server stuck?");
        }
        Thread.sleep(0, 100_000);
      }
    }
    return last;
  }
}
