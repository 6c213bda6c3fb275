package io.nemospawn.benchmarks;

import io.nemospawn.Transport;
import io.nemospawn.core.FileTrees;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportProvider;
import io.nemospawn.spi.TransportReceiver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Measures the message transports between two processes on one host: this JVM and an echo child
 * ({@link TransportEchoMain}) started in {@code @Setup}, over the raw transport SPI ({@link
 * MessageTransport}), inbox files written without fsync.
 *
 * <ul>
 *   <li>{@code roundTrip} (sample time): send to the child, wait for its answer; JMH reports
 *       p50/p99/p99.9. The one-way latency (from the {@code send} call to the child's wake-up, from
 *       {@link System#nanoTime()} stamps, one clock per host) of every
 *       round trip of the measured iterations is printed at tear-down as {@code # one-way <kind> p50 … p90 … p99 … p99.9 …
 *       p99.99 … max …}.
 *   <li>{@code throughput}: 1,000 one-way messages, then one answer; ops/s are messages.
 * </ul>
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar TransportBenchmark -f 1
 * -wi 2 -i 3 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
public class TransportBenchmark {
  static final String TEAM = "bench-00000001";
  static final String PARENT = "bench-parent";
  static final String ECHO = "bench-echo";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Param({"shm", "zmq", "file"})
  public String kind;

  private Path dataDir;
  private MessageTransport transport;
  private TransportReceiver receiver;
  private Process echo;
  private long[] oneWay = new long[1 << 22];
  private int samples;
  private boolean measuring;

  /** Opens a transport of {@code kind} for the benchmark team (zmq on loopback, no fsync). */
  static MessageTransport open(Path dataDir, String team, String kind) {
    TransportKind k = TransportKind.parse(kind);
    TransportContext ctx = TransportContext.of(dataDir, team)
        .withTransport(
            k == TransportKind.ZMQ
                ? Transport.zmq(URI.create("tcp://127.0.0.1:0"))
                : Transport.parse(kind))
        .withDurability(Durability.NONE)
        .withSendTimeout(Duration.ofSeconds(10));
    for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
      if (p.kind() == k) {
        return p.open(ctx);
      }
    }
    throw new IllegalStateException("No provider for transport " + kind);
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dataDir = Files.createTempDirectory("nemospawn-bench");
    transport = open(dataDir, TEAM, kind);
    receiver = transport.bind(PARENT);
    String java = ProcessHandle.current().info().command().orElse("java");
    echo = new ProcessBuilder(List.of(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            TransportEchoMain.class.getName(),
            dataDir.toString(),
            TEAM,
            kind))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (!"READY".equals(line)) {
      throw new IllegalStateException("echo child did not start: " + line);
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!transport.canReach(ECHO)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("echo child not reachable over " + kind);
      }
      Thread.sleep(10);
    }
  }

  /** One-way samples are kept from the measured iterations only. */
  @Setup(Level.Iteration)
  public void iteration(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    echo.getOutputStream().close();
    echo.waitFor(10, TimeUnit.SECONDS);
    echo.destroyForcibly();
    receiver.close();
    transport.close();
    if (samples > 0) {
      long[] s = Arrays.copyOf(oneWay, samples);
      Arrays.sort(s);
      System.err.printf(
          "# one-way %s p50 %.2f us p90 %.2f us p99 %.2f us p99.9 %.2f us p99.99 %.2f us"
              + " max %.2f us (%d samples)%n",
          kind,
          at(s, 0.5),
          at(s, 0.9),
          at(s, 0.99),
          at(s, 0.999),
          at(s, 0.9999),
          s[samples - 1] / 1000.0,
          samples);
    }
    FileTrees.deleteOrThrow(dataDir);
  }

  /** The {@code q} quantile of sorted nanoseconds, in microseconds. */
  private static double at(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, (long) (sorted.length * q))] / 1000.0;
  }

  private Message await() throws InterruptedException {
    return receiver
        .receive(WAIT)
        .orElseThrow(() -> new IllegalStateException(
            "no answer from the echo child within " + WAIT + " over " + kind));
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long roundTrip() throws InterruptedException {
    Message ping = Message.of(TEAM, PARENT, ECHO, "ping", Instant.now());
    long sent = System.nanoTime();
    transport.send(ping);
    long childReceived = Long.parseLong(await().body());
    if (measuring && samples < oneWay.length) {
      oneWay[samples++] = childReceived - sent;
    }
    return childReceived;
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(1000)
  public Message throughput() throws InterruptedException {
    for (int i = 0; i < 999; i++) {
      transport.send(Message.of(TEAM, PARENT, ECHO, "bulk", Instant.now()));
    }
    transport.send(Message.of(TEAM, PARENT, ECHO, "bulk-last", Instant.now()));
    return await();
  }
}
