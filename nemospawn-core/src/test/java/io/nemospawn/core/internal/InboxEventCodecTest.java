package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A team's message events decode message files with the inbox's own codec, so an event says what
 * the inbox delivers: the same message for a record written by NemoSpawn 1.0, and no event for a
 * file the inbox reports as unreadable.
 */
class InboxEventCodecTest {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  AgentInfo trainer;
  final List<TeamEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("codec").create();
    trainer = team.agents().register("trainer", "worker", List.of(0), "");
    team.subscribe(events::add);
  }

  @AfterEach
  void close() {
    ns.close();
  }

  List<Message> received() {
    return events.stream()
        .filter(e -> e instanceof TeamEvent.MessageReceived)
        .map(e -> ((TeamEvent.MessageReceived) e).message())
        .toList();
  }

  Path inbox() throws Exception {
    return Files.createDirectories(team.dir().resolve("inbox/" + trainer.id()));
  }

  @Test
  void aRecordWrittenByNemoSpawn10IsTheSameMessageInTheEventAndTheInbox() throws Exception {
    // Python's json.dumps: escaped non-ASCII, a timestamp without offset, no to_agent.
    Files.writeString(
        inbox().resolve("2026-11-21T19-01-51.212059_0a1b2c3d.json"),
        "{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"" + team.id() + "\", \"from_agent\": \"leader\","
            + " \"body\": \"caf\\u00e9\", \"timestamp\": \"2026-11-21T19:01:51.212059\","
            + " \"read\": false}");

    await().atMost(Duration.ofSeconds(20)).until(() -> !received().isEmpty());

    Message evented = received().get(0);
    assertThat(evented.to()).isEqualTo(trainer.id());
    assertThat(evented.body()).isEqualTo("café");
    assertThat(evented.timestamp()).isEqualTo(Instant.parse("2026-11-21T19:01:51.212059Z"));
    assertThat(team.inbox().peek("trainer")).containsExactly(evented);
  }

  @Test
  void aFileTheInboxCannotReadRaisesNoMessageEvent() throws Exception {
    // Readable as JSON, but not a message record: "read" must be true or false.
    Path bad = inbox().resolve("2026-01-01T00-00-00.000000+00-00_0badf00d.json");
    Files.writeString(
        bad,
        "{\"msg_id\": \"0badf00d\", \"team_id\": \"" + team.id() + "\", \"from_agent\": \"leader\","
            + " \"to_agent\": \"" + trainer.id() + "\", \"body\": \"b\","
            + " \"timestamp\": \"2026-01-01T00:00:00+00:00\", \"read\": \"no\"}");
    Inbox.Delivery good = team.inbox().send("leader", "trainer", "good");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> received().stream().anyMatch(m -> m.id().equals(good.message().id())));
    // One more rescan of the team directory (every second) reports nothing else.
    await().pollDelay(Duration.ofMillis(1500)).until(() -> true);

    assertThat(received())
        .extracting(Message::id)
        .containsExactly(good.message().id());
    assertThat(team.inbox().history("trainer").problems())
        .singleElement()
        .satisfies(p -> assertThat(p.path()).isEqualTo(bad));
  }
}
