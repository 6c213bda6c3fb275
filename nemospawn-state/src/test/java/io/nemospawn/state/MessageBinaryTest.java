package io.nemospawn.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.inbox.Message;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageBinaryTest {
  private static final String TEAM = "team-1a2b3c4d";

  private static Message message(String from, String body, Instant t, boolean read) {
    return new Message("0badc0de", TEAM, from, "worker-00000001", body, t, read);
  }

  private static Message viaJson(Message m) {
    return MessageJson.parse(MessageJson.toWire(m), "nobody", null).message();
  }

  private static Message viaBinary(MessageBinary.Decoder d, Message m) {
    byte[] bytes = MessageBinary.encode(m);
    assertThat(MessageBinary.isBinary(bytes, bytes.length)).isTrue();
    return d.decode(bytes, bytes.length);
  }

  @Test
  void decodesToWhatTheJsonEnvelopeDecodesTo() {
    MessageBinary.Decoder d = new MessageBinary.Decoder();
    List<Message> cases = List.of(
        message("leader", "go", Instant.parse("2026-12-04T17:00:00.123456789Z"), false),
        message("leader", "", Instant.parse("2026-12-04T17:00:00Z"), true),
        message("", "x", Instant.parse("1969-12-31T23:59:59.999999Z"), false),
        message(
            "lé\u00e4der ☃", "ünï ☃ \ud83d\ude00 \"q\" \\ \n\t\u0000 \u2028", Instant.EPOCH, false),
        message("a".repeat(100), "b".repeat(1 << 20), Instant.parse("9999-12-31T23:59:59Z"), true),
        message("leader", "é".repeat(70), Instant.parse("0001-01-01T00:00:00.000001Z"), false),
        // A lone surrogate: both forms write it as '?'.
        message("leader", "x\ud800y", Instant.EPOCH, false));
    for (Message m : cases) {
      assertThat(viaBinary(d, m)).isEqualTo(viaJson(m));
    }
  }

  @Test
  void reusesTheStringsOfARepeatedTeamSenderAndRecipientAndNotStaleOnes() {
    MessageBinary.Decoder d = new MessageBinary.Decoder();
    Message a = viaBinary(d, message("leader", "1", Instant.EPOCH, false));
    Message b = viaBinary(d, message("leader", "2", Instant.EPOCH, false));
    assertThat(b.from()).isSameAs(a.from());
    assertThat(b.teamId()).isSameAs(a.teamId());
    assertThat(b.to()).isSameAs(a.to());
    Message c = viaBinary(d, message("leadex", "3", Instant.EPOCH, false));
    assertThat(c.from()).isEqualTo("leadex");
    Message e = viaBinary(d, message("", "4", Instant.EPOCH, false));
    assertThat(e.from()).isEmpty();
  }

  @Test
  void randomMessagesRoundTrip() {
    Random r = new Random(19);
    MessageBinary.Decoder d = new MessageBinary.Decoder();
    for (int i = 0; i < 2_000; i++) {
      StringBuilder body = new StringBuilder();
      int n = r.nextInt(r.nextBoolean() ? 10 : 300);
      for (int k = 0; k < n; k++) {
        body.append((char) (r.nextBoolean() ? r.nextInt(128) : r.nextInt(0xD800)));
      }
      Message m = new Message(
          String.format("%08x", r.nextInt()),
          "t" + r.nextInt(3),
          "s" + r.nextInt(3),
          "r" + r.nextInt(3),
          body.toString(),
          Instant.ofEpochSecond(r.nextInt(), r.nextInt(1_000_000_000)),
          r.nextBoolean());
      assertThat(viaBinary(d, m)).isEqualTo(viaJson(m));
    }
  }

  @Test
  void malformedEnvelopesAreRejectedWithTheirReason() {
    byte[] good = MessageBinary.encode(message("leader", "body", Instant.EPOCH, false));
    MessageBinary.Decoder d = new MessageBinary.Decoder();
    assertThatThrownBy(() -> d.decode(good, 12))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("binary envelope of 12 bytes is shorter than its 40-byte header");
    assertThatThrownBy(() -> d.decode(good, good.length - 1))
        .hasMessage("binary envelope's lengths add up to " + good.length + " bytes, but it has "
            + (good.length - 1));
    assertThatThrownBy(() -> d.decode(edit(good, 0, 0x7B), good.length))
        .hasMessage("binary envelope does not start with NSB1");
    assertThatThrownBy(() -> d.decode(edit(good, 4, 3), good.length))
        .hasMessage("binary envelope has unknown flags 3 (written by a newer version?)");
    assertThatThrownBy(() -> d.decode(editInt(good, 16, 1_000_000), good.length))
        .hasMessage("binary envelope has a microsecond of 1000000, not 0..999999");
    assertThatThrownBy(() -> d.decode(editInt(good, 36, -1), good.length))
        .hasMessage("binary envelope has a negative length -1");
    assertThatThrownBy(() -> d.decode(editInt(good, 36, Integer.MAX_VALUE), good.length))
        .hasMessageStartingWith("binary envelope's lengths add up to ");
    byte[] badId = Arrays.copyOf(good, good.length);
    badId[MessageBinary.HEADER] = (byte) 0xC3;
    assertThatThrownBy(() -> d.decode(badId, good.length))
        .hasMessageStartingWith("Invalid message id ");
    // msg_id 8 bytes, team_id 13: a recipient with a '/' in it.
    byte[] badTo = Arrays.copyOf(good, good.length);
    int to = MessageBinary.HEADER + 8 + TEAM.length() + "leader".length();
    badTo[to] = '/';
    assertThatThrownBy(() -> d.decode(badTo, good.length))
        .hasMessageStartingWith("Invalid recipient '/orker-00000001'");
    assertThatThrownBy(() -> d.decode(editLong(good, 8, Long.MAX_VALUE), good.length))
        .hasMessageStartingWith("binary envelope's timestamp is out of range");
    assertThat(MessageBinary.isBinary("{\"msg_id\"".getBytes(StandardCharsets.UTF_8), 9))
        .isFalse();
    assertThat(MessageBinary.isBinary(good, 3)).isFalse();
  }

  private static byte[] edit(byte[] b, int at, int value) {
    byte[] c = Arrays.copyOf(b, b.length);
    c[at] = (byte) value;
    return c;
  }

  private static byte[] editInt(byte[] b, int at, int value) {
    byte[] c = Arrays.copyOf(b, b.length);
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
    return c;
  }

  private static byte[] editLong(byte[] b, int at, long value) {
    byte[] c = Arrays.copyOf(b, b.length);
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
    return c;
  }
}
