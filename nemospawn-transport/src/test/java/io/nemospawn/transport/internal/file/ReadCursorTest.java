package io.nemospawn.transport.internal.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Listing;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.state.MessageJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Receiving costs in proportion to the unread messages: the read cursor beside the inbox lets a
 * fresh process skip the history without opening it, a stale or broken cursor falls back to the
 * full scan, and the read flag is patched in place without changing anything else in the file.
 */
class ReadCursorTest {
  static final String TEAM = "sweep-1a2b3c4d";
  static final String WORKER = "worker-0badc0de";
  static final Instant T0 = Instant.parse("2026-11-21T19:01:51.212059Z");

  @TempDir
  Path dataDir;

  TransportContext ctx() {
    return TransportContext.of(dataDir, TEAM).withDurability(Durability.NONE);
  }

  Path inbox() {
    return dataDir.resolve("teams").resolve(TEAM).resolve("inbox").resolve(WORKER);
  }

  void send(InboxFiles writer, int n, String prefix) {
    for (int i = 0; i < n; i++) {
      writer.write(Message.of(TEAM, "leader", WORKER, prefix + i, T0.plusSeconds(1000 + i)));
    }
  }

  @Test
  void aFreshReceiverReadsOnlyTheMessagesAfterTheCursor() {
    InboxFiles writer = new InboxFiles(ctx());
    send(writer, 500, "old ");
    assertThat(new InboxFiles(ctx()).receive(WORKER).items()).hasSize(500);
    assertThat(inbox().resolve(ReadCursor.FILE)).exists();

    for (int i = 0; i < 3; i++) {
      writer.write(Message.of(TEAM, "leader", WORKER, "new " + i, T0.plusSeconds(5000 + i)));
    }
    InboxFiles fresh = new InboxFiles(ctx());
    Listing<Message> got = fresh.receive(WORKER);

    assertThat(got.items()).extracting(Message::body).containsExactly("new 0", "new 1", "new 2");
    // 3 files opened, not 503: the 500 read ones behind the cursor are skipped unopened.
    assertThat(fresh.fileReads()).isEqualTo(3);
    assertThat(fresh.history(WORKER).items()).hasSize(503).allMatch(Message::read);
  }

  @Test
  void aMessageWrittenLateBehindTheCursorIsFoundByTheFallbackScan() throws Exception {
    InboxFiles writer = new InboxFiles(ctx());
    send(writer, 50, "m ");
    new InboxFiles(ctx()).receive(WORKER);

    // A 1.0 sender whose clock is behind writes a message that sorts before the cursor.
    Message late = new Message("0a0b0c0d", TEAM, "leader", WORKER, "late", T0, false);
    Files.write(inbox().resolve(late.fileName()), MessageJson.toFile(late));
    InboxFiles fresh = new InboxFiles(ctx());

    assertThat(fresh.receive(WORKER).items()).extracting(Message::body).containsExactly("late");
    assertThat(fresh.fileReads()).isEqualTo(51);
    // The cursor is rewritten over the late one: the next fresh receiver opens nothing.
    InboxFiles next = new InboxFiles(ctx());
    assertThat(next.receive(WORKER).items()).isEmpty();
    assertThat(next.fileReads()).isZero();
  }

  @Test
  void aFileRemovedAndAnotherAddedBehindTheCursorIsStillNoticed() throws Exception {
    InboxFiles writer = new InboxFiles(ctx());
    send(writer, 10, "m ");
    new InboxFiles(ctx()).receive(WORKER);
    List<String> names = new InboxFiles(ctx()).names(WORKER);
    Files.delete(inbox().resolve(names.get(0)));
    Message late = new Message("0a0b0c0d", TEAM, "leader", WORKER, "late", T0, false);
    Files.write(inbox().resolve(late.fileName()), MessageJson.toFile(late));

    // Same count behind the cursor, different names: the hash tells them apart.
    assertThat(new InboxFiles(ctx()).receive(WORKER).items())
        .extracting(Message::body)
        .containsExactly("late");
  }

  @Test
  void aBrokenOrHostileCursorIsIgnoredAndReplaced() throws Exception {
    InboxFiles writer = new InboxFiles(ctx());
    send(writer, 5, "m ");
    Files.createDirectories(inbox());
    for (String text : List.of(
        "garbage",
        "nemospawn-read-cursor 1\nx y\n../../etc/passwd\n",
        "nemospawn-read-cursor 1\n0 0\n9999-zz_ffffffff.json\n",
        "")) {
      Files.writeString(inbox().resolve(ReadCursor.FILE), text);
      assertThat(ReadCursor.read(inbox()).last()).isIn("", "9999-zz_ffffffff.json");
    }
    // The last one claims every name is behind it with a count of 0: a mismatch, so full scan.
    assertThat(new InboxFiles(ctx()).receive(WORKER).items()).hasSize(5);
    assertThat(ReadCursor.read(inbox()).count()).isEqualTo(5);
    assertThat(Files.readString(inbox().resolve(ReadCursor.FILE)))
        .startsWith("nemospawn-read-cursor 1\n5 ");
  }

  @Test
  void anUnreadableFileHoldsTheCursorBack() throws Exception {
    InboxFiles writer = new InboxFiles(ctx());
    send(writer, 3, "m ");
    List<String> names = new InboxFiles(ctx()).names(WORKER);
    Files.writeString(inbox().resolve(names.get(1)), "{not json");

    Listing<Message> got = new InboxFiles(ctx()).receive(WORKER);

    assertThat(got.items()).hasSize(2);
    assertThat(got.problems()).hasSize(1);
    assertThat(ReadCursor.read(inbox()).last()).isEqualTo(names.get(0));
    // Repaired by hand, it is received by the next receiver.
    Message fixed = new Message("0a0b0c0d", TEAM, "leader", WORKER, "fixed", T0, false);
    Files.write(inbox().resolve(names.get(1)), MessageJson.toFile(fixed));
    assertThat(new InboxFiles(ctx()).receive(WORKER).items())
        .extracting(Message::body)
        .containsExactly("fixed");
  }

  @Test
  void theFlagIsPatchedInPlaceAndTheFileStaysValidJson() throws Exception {
    InboxFiles writer = new InboxFiles(ctx());
    InboxFiles.Stored s = writer.write(
        Message.of(TEAM, "leader", WORKER, "quote \"read\": false and {\"read\": false}", T0));
    byte[] before = Files.readAllBytes(s.file());
    Object inode = Files.getAttribute(s.file(), "unix:ino");

    new InboxFiles(ctx()).receive(WORKER);

    byte[] after = Files.readAllBytes(s.file());
    assertThat(Files.getAttribute(s.file(), "unix:ino")).isEqualTo(inode);
    assertThat(after).hasSameSizeAs(before);
    String text = new String(after, StandardCharsets.UTF_8);
    assertThat(text)
        .isEqualTo(new String(before, StandardCharsets.UTF_8)
            .replace("  \"read\": false\n", "  \"read\": true \n"));
    JsonNode n = JsonMapper.builder().build().readTree(after);
    assertThat(n.get("read").asBoolean()).isTrue();
    assertThat(n.get("body").asString()).isEqualTo("quote \"read\": false and {\"read\": false}");
  }

  @Test
  void theFlagOffsetIsTheTopLevelKeyOnly() {
    assertThat(offset("{\"a\": {\"read\": false}, \"read\": false}")).isEqualTo(31);
    assertThat(offset("{\"body\": \"\\\"read\\\": false\", \"read\": false}")).isEqualTo(36);
    assertThat(offset("{\"a\": {\"read\": false}}")).isEqualTo(-1);
    assertThat(offset("{\"x\": \"read\", \"read\": true}")).isEqualTo(-1);
    assertThat(offset("{\"read\": falsey}")).isEqualTo(-1);
    assertThat(offset("{\"read\": false")).isEqualTo(-1);
    assertThat(offset("[\"read\", false]")).isEqualTo(-1);
    assertThat(offset("{\"body\": \"unterminated")).isEqualTo(-1);
  }

  private static int offset(String json) {
    return ReadFlag.falseOffset(json.getBytes(StandardCharsets.UTF_8));
  }
}
