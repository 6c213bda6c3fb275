package io.nemospawn.benchmarks;

import io.nemospawn.inbox.Message;
import io.nemospawn.state.MessageBinary;
import io.nemospawn.state.MessageJson;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the fast transports pay per message in one process, without the transport: encoding the
 * envelope ({@code format=json}: {@link MessageJson#toWire}; {@code binary}: {@link
 * MessageBinary#encode}) and decoding it on the receiving side, for the benchmark's own short
 * message ({@code body=short}, the 4 bytes of {@link TransportBenchmark}) and a 1 KiB one. Run
 * with {@code -prof gc} for the bytes allocated per message.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar EnvelopeBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EnvelopeBenchmark {
  @Param({"json", "binary"})
  public String format;

  @Param({"short", "1k"})
  public String body;

  private Message message;
  private byte[] encoded;
  private final MessageBinary.Decoder decoder = new MessageBinary.Decoder();

  @Setup
  public void setUp() {
    String text = body.equals("short") ? "ping" : "x".repeat(1024);
    message = Message.of(
        TransportBenchmark.TEAM,
        TransportBenchmark.PARENT,
        TransportBenchmark.ECHO,
        text,
        Instant.now());
    encoded = encode();
  }

  private byte[] encode() {
    return format.equals("json") ? MessageJson.toWire(message) : MessageBinary.encode(message);
  }

  @Benchmark
  public byte[] encodeOnly() {
    return encode();
  }

  @Benchmark
  public Message decodeOnly() {
    return format.equals("json")
        ? MessageJson.parse(encoded, TransportBenchmark.ECHO, null).message()
        : decoder.decode(encoded, encoded.length);
  }
}
