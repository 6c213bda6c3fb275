package io.nemospawn.transport.internal.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Transport;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.state.MessageBinary;
import io.nemospawn.state.MessageJson;
import io.nemospawn.transport.internal.Endpoints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The binary envelope goes only to a receiver whose endpoint record lists it in {@code
 * zmq_formats}; our receivers list it and read both envelopes.
 */
class ZmqEnvelopeIT {
  static final String TEAM = "env-1a2b3c4d";

  @TempDir
  Path dir;

  private TransportContext context() {
    return TransportContext.of(dir, TEAM)
        .withTransport(Transport.zmq())
        .withDurability(Durability.NONE)
        .withSendTimeout(Duration.ofSeconds(10)); // the handshake too; a loaded runner is slow
  }

  private static Message msg(String to, String body) {
    return Message.of(TEAM, "leader", to, body, Instant.now().truncatedTo(ChronoUnit.MICROS));
  }

  @Test
  void ourReceiverAdvertisesAndReadsBinaryAndStillReadsJson() throws Exception {
    try (ZmqTransport rx = new ZmqTransport(context());
        TransportReceiver r = rx.bind("b");
        ZmqTransport tx = new ZmqTransport(context())) {
      Endpoints.Endpoint e = new Endpoints(context()).read("b").orElseThrow();
      assertThat(e.zmqFormats()).containsExactly("binary", "json");
      Message binary = msg("b", "über ☃");
      tx.send(binary);
      assertThat(r.receive(Duration.ofSeconds(5))).contains(binary);
      // A peer that speaks JSON only (Python, an older version) pushes straight to the socket.
      try (ZContext z = new ZContext();
          ZMQ.Socket push = z.createSocket(SocketType.PUSH)) {
        push.connect(e.zmqEndpoint());
        Message json = msg("b", "from a JSON peer");
        push.send(MessageJson.toWire(json), 0);
        assertThat(r.receive(Duration.ofSeconds(5))).contains(json);
      }
    }
  }

  @Test
  void aReceiverThatDoesNotListBinaryGetsJson() throws Exception {
    Path record = new Endpoints(context()).file("p");
    Files.createDirectories(record.getParent());
    try (ZContext z = new ZContext();
        ZMQ.Socket pull = z.createSocket(SocketType.PULL);
        ZmqTransport tx = new ZmqTransport(context())) {
      pull.setReceiveTimeOut(5_000);
      int port = pull.bindToRandomPort("tcp://127.0.0.1");
      String common = "{\"agent_id\": \"p\", \"team_id\": \"" + TEAM + "\", \"host\": \""
          + Endpoints.localHost() + "\", \"pid\": " + ProcessHandle.current().pid()
          + ", \"transports\": [\"zmq\", \"file\"], \"zmq_endpoint\": \"tcp://127.0.0.1:" + port
          + "\"";
      Files.writeString(record, common + "}");
      Message m = msg("p", "plain");
      tx.send(m);
      byte[] got = pull.recv(0);
      assertThat(new String(got, StandardCharsets.UTF_8)).startsWith("{\"msg_id\": ");
      assertThat(MessageJson.parse(got, "p", null).message()).isEqualTo(m);

      // The same peer once it lists binary (the record is re-read after 100 ms when it changed).
      Files.writeString(record, common + ", \"zmq_formats\": [\"json\", \"binary\"]}");
      Files.setLastModifiedTime(
          record, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
      Thread.sleep(150);
      Message b = msg("p", "binary");
      tx.send(b);
      got = pull.recv(0);
      assertThat(MessageBinary.isBinary(got, got.length)).isTrue();
      assertThat(new MessageBinary.Decoder().decode(got, got.length)).isEqualTo(b);
    }
  }
}
