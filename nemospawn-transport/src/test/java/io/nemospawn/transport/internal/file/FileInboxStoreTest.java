package io.nemospawn.transport.internal.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.Listing;
import io.nemospawn.Transport;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileInboxStoreTest {
  static final String TEAM = "sweep-1a2b3c4d";
  static final String WORKER = "worker-0badc0de";
  static final Instant T0 = Instant.parse("2026-11-21T19:01:51.212059Z");

  @TempDir
  Path dataDir;

  InboxStore store;

  @BeforeEach
  void open() {
    store = InboxStore.open(context());
  }

  @AfterEach
  void close() {
    store.close();
  }

  TransportContext context() {
    return TransportContext.of(dataDir, TEAM).withTransport(Transport.file());
  }

  static Message msg(String id, String body, Instant at) {
    return new Message(id, TEAM, "leader", WORKER, body, at, false);
  }

  Path inbox() {
    return dataDir.resolve("teams").resolve(TEAM).resolve("inbox").resolve(WORKER);
  }

  @Test
  void sendWritesTheRecordOfTheOnDiskFormat() throws Exception {
    SendReceipt r = store.send(msg("0000abcd", "hello \"world\"\nnext ünïcode ✓", T0));

    assertThat(r.transport()).isEqualTo(TransportKind.FILE);
    assertThat(r.file())
        .isEqualTo(inbox().resolve("2026-11-21T19-01-51.212059+00-00_0000abcd.json"));
    assertThat(Files.readString(r.file(), StandardCharsets.UTF_8))
        .isEqualTo("{\n"
            + "  \"msg_id\": \"0000abcd\",\n"
            + "  \"team_id\": \"sweep-1a2b3c4d\",\n"
            + "  \"from_agent\": \"leader\",\n"
            + "  \"to_agent\": \"worker-0badc0de\",\n"
            + "  \"body\": \"hello \\\"world\\\"\\nnext ünïcode ✓\",\n"
            + "  \"timestamp\": \"2026-11-21T19:01:51.212059+00:00\",\n"
            + "  \"read\": false\n"
            + "}\n");
  }

  @Test
  void receiveReturnsUnreadOldestFirstAndMarksEachRead() {
    store.send(msg("00000002", "second", T0.plusSeconds(1)));
    store.send(new Message("00000001", TEAM, "other-sender", WORKER, "first", T0, false));

    assertThat(store.peek(WORKER).items())
        .extracting(Message::body)
        .containsExactly("first", "second");
    Listing<Message> got = store.receive(WORKER);

    assertThat(got.items()).extracting(Message::body).containsExactly("first", "second");
    assertThat(got.items()).allMatch(Message::read);
    assertThat(store.receive(WORKER).isEmpty()).isTrue();
    assertThat(store.peek(WORKER).items()).isEmpty();
    assertThat(store.history(WORKER).items())
        .extracting(Message::body)
        .containsExactly("first", "second");
    try (InboxStore other = InboxStore.open(context())) {
      assertThat(other.receive(WORKER).items()).isEmpty();
    }
  }

  @Test
  void sendsFromOneProcessKeepTheirOrderWithinOneMicrosecond() {
    for (int i = 0; i < 50; i++) {
      store.send(Message.of(TEAM, "leader", WORKER, "m" + i, T0));
    }
    List<String> bodies = new ArrayList<>();
    store.receive(WORKER).items().forEach(m -> bodies.add(m.body()));
    assertThat(bodies).hasSize(50);
    for (int i = 0; i < 50; i++) {
      assertThat(bodies.get(i)).isEqualTo("m" + i);
    }
  }

  @Test
  void nameClashDrawsANewMessageId() throws Exception {
    Message m = msg("0000beef", "x", T0);
    Files.createDirectories(inbox());
    Files.writeString(inbox().resolve(m.fileName()), "occupied");

    SendReceipt r = store.send(m);

    assertThat(r.message().id()).isNotEqualTo("0000beef").matches("[0-9a-f]{8}");
    assertThat(inbox().resolve(m.fileName())).hasContent("occupied");
  }

  @Test
  void malformedFilesAreReportedWithPathAndReasonAndDoNotHideTheOthers() throws Exception {
    store.send(msg("00000001", "good one", T0));
    Files.writeString(
        inbox().resolve("2026-11-21T19-01-52.000000+00-00_00000002.json"), "{not json");
    Files.writeString(
        inbox().resolve("2026-11-21T19-01-53.000000+00-00_00000003.json"),
        "{\"team_id\": \"" + TEAM + "\", \"from_agent\": \"a\", \"body\": \"b\"}");
    store.send(msg("00000004", "good two", T0.plusSeconds(5)));

    Listing<Message> got = store.receive(WORKER);

    assertThat(got.items()).extracting(Message::body).containsExactly("good one", "good two");
    assertThat(got.problems()).hasSize(2);
    assertThat(got.problems().get(0).path())
        .isEqualTo(inbox().resolve("2026-11-21T19-01-52.000000+00-00_00000002.json"));
    assertThat(got.problems().get(0).reason()).startsWith("not valid JSON: ");
    assertThat(got.problems().get(1).reason()).isEqualTo("missing key 'msg_id'");
    assertThatThrownBy(got::itemsOrThrow)
        .hasMessage("Cannot read " + got.problems().get(0).path() + ": "
            + got.problems().get(0).reason());
  }

  @Test
  void readsFilesWrittenByThePythonToolAndKeepsUnknownKeys() throws Exception {
    Files.createDirectories(inbox());
    Path f = inbox().resolve("2026-11-21T19-01-51.212059+00-00_a1b2c3d4.json");
    Files.writeString(
        f,
        "{\n  \"msg_id\": \"a1b2c3d4\",\n  \"team_id\": \"" + TEAM + "\",\n"
            + "  \"from_agent\": \"leader\",\n  \"to_agent\": \"" + WORKER + "\",\n"
            + "  \"body\": \"caf\\u00e9\",\n  \"timestamp\": \"2026-11-21T19:01:51.212059+00:00\",\n"
            + "  \"read\": false,\n  \"priority\": 3\n}");

    Listing<Message> got = store.receive(WORKER);

    assertThat(got.items()).singleElement().satisfies(m -> {
      assertThat(m.body()).isEqualTo("café");
      assertThat(m.id()).isEqualTo("a1b2c3d4");
      assertThat(m.read()).isTrue();
    });
    // Marked read in place: only the flag's five bytes change (JSON allows the space).
    assertThat(Files.readString(f)).endsWith("  \"read\": true ,\n  \"priority\": 3\n}");
  }

  @Test
  void idsAreValidatedBeforeTheyTouchAPath() {
    assertThatThrownBy(() -> store.receive("../etc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid agent id '../etc': it contains '..'; use 1-128 ASCII letters, digits,"
            + " '.', '_' or '-', starting with a letter or digit");
    assertThatThrownBy(
            () -> store.send(new Message("00000001", "other-team", "a", WORKER, "b", T0, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot store message 00000001 of team 'other-team' in team 'sweep-1a2b3c4d';"
            + " open the store of that team");
  }

  @Test
  void receiveWithTimeoutWakesWhenAMessageArrives() throws Exception {
    CompletableFuture<Listing<Message>> waiting = CompletableFuture.supplyAsync(() -> {
      try {
        return store.receive(WORKER, Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    try (InboxStore sender = InboxStore.open(context())) {
      sender.send(Message.of(TEAM, "leader", WORKER, "wake up", Instant.now()));
    }
    Listing<Message> got = waiting.get(20, TimeUnit.SECONDS);
    assertThat(got.items()).extracting(Message::body).containsExactly("wake up");
  }

  @Test
  void receiveWithTimeoutReturnsEmptyWhenNothingArrives() throws Exception {
    long start = System.nanoTime();
    assertThat(store.receive(WORKER, Duration.ofMillis(300)).isEmpty()).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void closeWakesABlockedReceive() throws Exception {
    CompletableFuture<Listing<Message>> waiting = CompletableFuture.supplyAsync(() -> {
      try {
        return store.receive(WORKER, Duration.ofMinutes(5));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Files.isDirectory(inbox()));
    store.close();
    assertThat(waiting.get(20, TimeUnit.SECONDS).isEmpty()).isTrue();
  }

  @Test
  void concurrentReceiversNeverBothDeliverAMessage() throws Exception {
    int n = 300;
    for (int i = 0; i < n; i++) {
      store.send(Message.of(TEAM, "leader", WORKER, "m" + i, T0));
    }
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<String> dupes = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> rs = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      rs.add(CompletableFuture.runAsync(() -> {
        try (InboxStore s = InboxStore.open(context().withDurability(Durability.NONE))) {
          for (int k = 0; k < 20; k++) {
            for (Message m : s.receive(WORKER).items()) {
              if (!seen.add(m.id())) {
                dupes.add(m.id());
              }
            }
          }
        }
      }));
    }
    CompletableFuture.allOf(rs.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    seen.addAll(store.receive(WORKER).items().stream().map(Message::id).toList());
    assertThat(dupes).isEmpty();
    assertThat(seen).hasSize(n);
  }

  @Test
  void receivingThousandsOfUnreadMessagesListsOnceAndReadsEachFileOnce() {
    TransportContext ctx = context().withDurability(Durability.NONE);
    InboxFiles writer = new InboxFiles(ctx);
    for (int i = 0; i < 1000; i++) {
      writer.write(Message.of(TEAM, "leader", WORKER, "message " + i, T0));
    }
    InboxFiles files = new InboxFiles(ctx);
    long start = System.nanoTime();
    Listing<Message> got = files.receive(WORKER);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(got.items()).hasSize(1000);
    assertThat(got.items().get(999).body()).isEqualTo("message 999");
    assertThat(files.listings()).isEqualTo(1);
    assertThat(files.fileReads()).isEqualTo(1000);
    // Read messages are remembered: the next receive lists again but parses nothing.
    assertThat(files.receive(WORKER).items()).isEmpty();
    assertThat(files.fileReads()).isEqualTo(1000);
    // The Python tool takes 2.8 s for 1,000; generous for a loaded 2-core CI machine.
    assertThat(took).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void takingOneMessageAtATimeListsTheInboxOncePerBacklogAndKeepsOrder() {
    TransportContext ctx = context().withDurability(Durability.NONE);
    InboxFiles writer = new InboxFiles(ctx);
    for (int i = 0; i < 300; i++) {
      writer.write(Message.of(TEAM, "leader", WORKER, "message " + i, T0));
    }
    InboxFiles files = new InboxFiles(ctx);
    for (int i = 0; i < 300; i++) {
      assertThat(files.receive(WORKER, 1).items())
          .extracting(Message::body)
          .containsExactly("message " + i);
    }
    // The file transport's receivers take one at a time: one listing for 300, not 300.
    assertThat(files.listings()).isEqualTo(1);
    assertThat(files.fileReads()).isEqualTo(300);
    writer.write(Message.of(TEAM, "leader", WORKER, "late", T0));
    assertThat(files.receive(WORKER, 1).items()).extracting(Message::body).containsExactly("late");
    assertThat(files.receive(WORKER, 1).items()).isEmpty();
    assertThat(files.listings()).isEqualTo(3);
    assertThatThrownBy(() -> files.receive(WORKER, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot receive 0 messages for agent 'worker-0badc0de': the limit must be 1"
            + " or more");
  }

  @Test
  void fileNameComesFromStateFormat() {
    SendReceipt r = store.send(msg("12345678", "x", T0));
    assertThat(r.file().getFileName().toString())
        .isEqualTo(StateFormat.messageFileName(r.message().timestamp(), "12345678"));
  }
}
