package io.nemospawn.benchmarks;

import io.nemospawn.NemoSpawn;
import io.nemospawn.board.WebConsole;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AccessKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The web console's bridge ({@code nemospawn web}): from an event published on the control plane
 * to the moment a page's Server-Sent Events stream has read it (control plane → NDJSON over
 * loopback → the console's kept stream → SSE over HTTP → the reader), sampled for p50/p99. The
 * reader is a plain HTTP client standing in for the browser's {@code EventSource}.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar WebConsoleBenchmark} (quick:
 * add {@code -f 1 -wi 1 -i 3}).
 */
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class WebConsoleBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A control plane, the console in front of it, and one SSE reader. */
  @State(Scope.Benchmark)
  public static class Console {
    Path dir;
    NemoSpawn local;
    ControlPlanes.Served served;
    WebConsole web;
    final AtomicLong seen = new AtomicLong();
    HttpURLConnection sse;
    ObjectNode data;

    @Setup(Level.Trial)
    public void start() throws IOException {
      dir = Files.createTempDirectory("nemospawn-bench-web-");
      String key = ControlPlane.ensureKey(dir).orElseThrow();
      local =
          NemoSpawn.builder().dataDir(dir).durability(Durability.parse("none")).open();
      served = ControlPlanes.serve(
          local, ControlPlane.Options.defaults(dir).withAddress("127.0.0.1", 0));
      web = WebConsole.start(served.server().url(), key, AccessKeys.of(dir), "127.0.0.1", 0);
      data = JSON.createObjectNode()
          .put("swarm_id", "s-1")
          .put("node_id", 0)
          .put("content", "x".repeat(200));
      sse = (HttpURLConnection)
          web.uri().resolve("/api/web/events?since=0").toURL().openConnection();
      BufferedReader r =
          new BufferedReader(new InputStreamReader(sse.getInputStream(), StandardCharsets.UTF_8));
      Thread t = new Thread(
          () -> {
            try {
              String line;
              while ((line = r.readLine()) != null) {
                if (line.startsWith("id: ")) {
                  seen.set(Long.parseLong(line.substring(4).trim()));
                }
              }
            } catch (IOException e) {
              // closed at tear-down
            }
          },
          "bench-sse");
      t.setDaemon(true);
      t.start();
    }

    @TearDown(Level.Trial)
    public void stop() {
      sse.disconnect();
      web.close();
      served.close();
      local.close();
    }
  }

  /** One event, published on the control plane, until the SSE reader has its id. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long eventToPage(Console c) {
    long seq = c.served.server().publish(ControlPlane.CODESWARM_V1, "assistant_delta", c.data);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (c.seen.get() < seq) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("event " + seq + " did not reach the page in 10 s");
      }
      Thread.onSpinWait();
    }
    return seq;
  }
}
