package io.nemospawn.transport.internal.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.Transport;
import io.nemospawn.TransportException;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportReceiver;
import io.nemospawn.state.MessageJson;
import io.nemospawn.transport.internal.Endpoints;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** Where ZeroMQ receivers listen, and that listening beyond loopback requires the secret. */
class ZmqListenIT {
  static final String TEAM = "net-1a2b3c4d";

  @TempDir
  Path dir;

  private TransportContext context(Path dataDir, Transport t) {
    return TransportContext.of(dataDir, TEAM)
        .withTransport(t)
        .withDurability(Durability.NONE)
        .withSendTimeout(Duration.ofSeconds(10)); // the handshake too; a loaded runner is slow
  }

  /** Returns the local addresses ({@code 0100007F:1F90}) of TCP sockets in LISTEN state. */
  static List<String> listening() throws IOException {
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[3].equals("0A")) {
          out.add(ipv4(f[1]));
        }
      }
    }
    return out;
  }

  /**
   * Returns a {@code /proc/net/tcp6} address of an IPv4-mapped socket ({@code
   * 0000000000000000FFFF00000100007F:1F90}) in the IPv4 table's form ({@code 0100007F:1F90});
   * {@code ANY:port} for the IPv6 wildcard; others unchanged.
   */
  static String ipv4(String address) {
    String[] a = address.split(":");
    if (a[0].length() == 32 && a[0].startsWith("0000000000000000FFFF0000")) {
      return a[0].substring(24) + ":" + a[1];
    }
    if (a[0].matches("0+")) {
      return "ANY:" + a[1];
    }
    return address;
  }

  static String hexPort(String endpoint) {
    int port = URI.create(endpoint).getPort();
    return String.format(Locale.ROOT, ":%04X", port);
  }

  private static Message msg(String body) {
    return Message.of(TEAM, "sender", "a", body, Instant.now());
  }

  @Test
  void byDefaultAReceiverListensOnLoopbackOnlyAndAdvertisesLoopback() throws Exception {
    try (ZmqTransport t = new ZmqTransport(context(dir, Transport.zmq()));
        TransportReceiver r = t.bind("a")) {
      String endpoint =
          new Endpoints(context(dir, Transport.zmq())).read("a").orElseThrow().zmqEndpoint();
      assertThat(endpoint).matches("tcp://127\\.0\\.0\\.1:\\d+");
      String port = hexPort(endpoint);
      assertThat(listening())
          .contains("0100007F" + port)
          .noneMatch(a -> a.endsWith(port) && !a.equals("0100007F" + port));
      t.send(msg("hello"));
      assertThat(r.receive(Duration.ofSeconds(10)).orElseThrow().body()).isEqualTo("hello");
    }
    assertThat(dir.resolve("zmq.secret")).doesNotExist();
    assertThat(((Transport.Auto) Transport.auto()).zmqBind())
        .isEqualTo(URI.create("tcp://127.0.0.1:0"));
  }

  @Test
  void aReceiverBeyondLoopbackTakesOnlyEnvelopesSignedWithTheSharedSecret() throws Exception {
    Transport beyond = Transport.zmq(URI.create("tcp://127.0.0.2:0"));
    try (ZmqTransport t = new ZmqTransport(context(dir, beyond));
        TransportReceiver r = t.bind("a");
        ZContext raw = new ZContext(1)) {
      Path secret = dir.resolve("zmq.secret");
      assertThat(secret).exists();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
          .isEqualTo("rw-------");
      String endpoint =
          new Endpoints(context(dir, beyond)).read("a").orElseThrow().zmqEndpoint();
      assertThat(endpoint).matches("tcp://127\\.0\\.0\\.2:\\d+");
      assertThat(listening()).contains("0200007F" + hexPort(endpoint));

      // A peer without the secret: a plain envelope, then one signed with another key.
      ZMQ.Socket push = raw.createSocket(SocketType.PUSH);
      push.setLinger(1000);
      push.connect(endpoint);
      assertThat(push.send(MessageJson.toWire(msg("unsigned")), 0)).isTrue();
      Path otherDir = dir.resolve("other");
      Files.createDirectories(otherDir);
      Files.writeString(otherDir.resolve("zmq.secret"), "not-the-secret");
      Files.setPosixFilePermissions(
          otherDir.resolve("zmq.secret"), PosixFilePermissions.fromString("rw-------"));
      ZmqAuth wrong = ZmqAuth.load(otherDir, false, endpoint);
      assertThat(push.send(wrong.sign(MessageJson.toWire(msg("forged"))), 0)).isTrue();
      assertThat(r.receive(Duration.ofSeconds(2))).isEmpty();

      // A sender of the team (same data dir, so the same secret) gets through.
      try (ZmqTransport sender = new ZmqTransport(context(dir, beyond))) {
        sender.send(msg("signed"));
      }
      assertThat(r.receive(Duration.ofSeconds(10)).orElseThrow().body()).isEqualTo("signed");
      assertThat(r.poll()).isEmpty();

      // A sender that has the endpoint record but not the secret is refused before sending.
      Path copy = dir.resolve("copy");
      Path record = new Endpoints(context(dir, beyond)).file("a");
      Path copied = new Endpoints(context(copy, beyond)).file("a");
      Files.createDirectories(copied.getParent());
      Files.copy(record, copied);
      try (ZmqTransport stranger = new ZmqTransport(context(copy, beyond))) {
        Message m = msg("stranger");
        assertThatThrownBy(() -> stranger.send(m))
            .isInstanceOf(TransportException.class)
            .hasMessage("Cannot send message " + m.id() + " to agent 'a' at " + endpoint
                + ": No ZeroMQ shared secret: " + endpoint + " listens beyond loopback and"
                + " takes only envelopes signed with the team's secret; set"
                + " NEMOSPAWN_ZMQ_SECRET or copy " + copy.resolve("zmq.secret")
                + " (mode 0600) from the receiver's host; it waits in the inbox");
      }
      String secretText = Files.readString(secret, StandardCharsets.UTF_8).strip();
      assertThat(secretText).matches("[0-9a-f]{64}");
    }
  }

  @Test
  void aLoopbackEndpointOfAnotherHostIsNotReachableFromHere() throws Exception {
    Path record = new Endpoints(context(dir, Transport.zmq())).file("a");
    Files.createDirectories(record.getParent());
    Files.writeString(
        record,
        "{\"agent_id\": \"a\", \"team_id\": \"" + TEAM + "\","
            + " \"host\": \"some-other-host\", \"pid\": 1, \"transports\": [\"zmq\", \"file\"],"
            + " \"zmq_endpoint\": \"tcp://127.0.0.1:1\"}");
    try (ZmqTransport t = new ZmqTransport(context(dir, Transport.zmq()))) {
      assertThat(t.canReach("a")).isFalse();
      Message m = msg("x");
      assertThatThrownBy(() -> t.send(m))
          .isInstanceOf(TransportException.class)
          .hasMessage("Cannot send message " + m.id() + " to agent 'a' at tcp://127.0.0.1:1: it"
              + " listens on the loopback of host some-other-host, which only that host can reach"
              + " (set zmq_bind there to let other hosts send); it waits in the inbox");
    }
  }

  @Test
  void aSecretFileOthersMayReadIsRefused() throws Exception {
    Path secret = dir.resolve("zmq.secret");
    Files.writeString(secret, "s3cret");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
    Transport beyond = Transport.zmq(URI.create("tcp://127.0.0.2:0"));
    try (ZmqTransport t = new ZmqTransport(context(dir, beyond))) {
      assertThatThrownBy(() -> t.bind("a"))
          .isInstanceOf(TransportException.class)
          .hasMessage("The ZeroMQ shared secret " + secret + " may be read or written by other"
              + " users (mode rw-r--r--); make it private with: chmod 600 " + secret)
          .hasMessageNotContaining("s3cret");
    }
  }
}
