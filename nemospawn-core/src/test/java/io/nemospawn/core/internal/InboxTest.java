package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InboxTest {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  AgentInfo trainer;
  AgentInfo eval;
  AgentInfo judge;

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("msgs").create();
    trainer = team.agents().register("trainer", "worker", List.of(0), "");
    eval = team.agents().register("eval", "worker", List.of(1), "");
    judge = team.agents().register("judge", "worker", List.of(), "");
  }

  @AfterEach
  void close() {
    ns.close();
  }

  @Test
  void sendsByNameOrIdAndReceivesOldestFirstMarkingRead() {
    Inbox.Delivery d1 = team.inbox().send("leader", "trainer", "first\nline two");
    Inbox.Delivery d2 = team.inbox().send("eval", trainer.id(), "second");
    Inbox.Delivery d3 = team.inbox().send(eval.id(), "trainer", "third");
    assertThat(d1.kind()).isEqualTo(io.nemospawn.spi.TransportKind.FILE);
    assertThat(d1.message().to()).isEqualTo(trainer.id());
    assertThat(d2.message().from()).isEqualTo(eval.id());
    assertThat(Files.exists(
            team.dir().resolve("inbox/" + trainer.id() + "/" + d1.message().fileName())))
        .isTrue();

    assertThat(team.inbox().peek("trainer"))
        .extracting(Message::body)
        .containsExactly("first\nline two", "second", "third");
    assertThat(team.inbox().peek(trainer.id())).hasSize(3); // peek marks nothing
    List<Message> got = team.inbox().receive("trainer");
    assertThat(got)
        .extracting(Message::id)
        .containsExactly(d1.message().id(), d2.message().id(), d3.message().id());
    assertThat(got).allMatch(Message::read);
    assertThat(team.inbox().receive("trainer")).isEmpty();
    assertThat(team.inbox().peek("trainer")).isEmpty();
    assertThat(team.inbox().history("trainer").items()).hasSize(3).allMatch(Message::read);
    assertThat(team.inbox().receive("eval")).isEmpty();
  }

  @Test
  void unknownRecipientNamesTheAgents() {
    assertThatThrownBy(() -> team.inbox().send("leader", "nobody", "x"))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessage("No agent 'nobody' in team " + team.id() + "; agents: trainer (" + trainer.id()
            + "), eval (" + eval.id() + "), judge (" + judge.id() + ")");
    assertThatThrownBy(() -> team.inbox().send("../x", "trainer", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid sender '../x'");
    // The leader needs no agent record.
    team.inbox().send("trainer", "leader", "done");
    assertThat(team.inbox().receive("leader"))
        .extracting(Message::from)
        .containsExactly(trainer.id());
  }

  @Test
  void broadcastSendsOneCopyToEveryOtherAgent() {
    List<Inbox.Delivery> ds = team.inbox().broadcast("eval", "all hands");
    assertThat(ds).extracting(d -> d.message().to()).containsExactly(trainer.id(), judge.id());
    assertThat(ds).extracting(d -> d.message().id()).doesNotHaveDuplicates();
    assertThat(team.inbox().receive("eval")).isEmpty();
    assertThat(team.inbox().receive("trainer"))
        .extracting(Message::body)
        .containsExactly("all hands");
    assertThat(team.inbox().receive("judge")).extracting(Message::to).containsExactly(judge.id());
    assertThat(team.inbox().broadcast("leader", "x")).hasSize(3);
  }

  @Test
  void receiveWithTimeoutWakesOnAMessageAndTimesOut() throws Exception {
    assertThat(team.inbox().receive("judge", Duration.ofMillis(300))).isEmpty();
    CountDownLatch sent = new CountDownLatch(1);
    Thread sender = new Thread(() -> {
      team.inbox().send("leader", "judge", "wake up");
      sent.countDown();
    });
    long t0 = System.nanoTime();
    sender.start();
    List<Message> got = team.inbox().receive("judge", Duration.ofSeconds(60));
    sender.join();
    assertThat(got).extracting(Message::body).containsExactly("wake up");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void concurrentReceiversNeverGetTheSameMessage() throws Exception {
    int n = 300;
    for (int i = 0; i < n; i++) {
      team.inbox().send("leader", "eval", "m" + i);
    }
    // Two team handles, as two agents' processes would have, plus threads in each.
    try (Team other = ns.team(team.id())) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<List<Message>>> fs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Team t = i % 2 == 0 ? team : other;
        fs.add(pool.submit(() -> {
          List<Message> mine = new ArrayList<>();
          for (int j = 0; j < 20; j++) {
            mine.addAll(t.inbox().receive("eval"));
          }
          return mine;
        }));
      }
      Set<String> ids = new HashSet<>();
      int total = 0;
      for (Future<List<Message>> f : fs) {
        for (Message m : f.get(60, TimeUnit.SECONDS)) {
          total++;
          ids.add(m.id());
        }
      }
      pool.shutdown();
      assertThat(total).isEqualTo(n);
      assertThat(ids).hasSize(n);
    }
  }

  @Test
  void malformedMessageFileIsReportedWithItsPath() throws Exception {
    team.inbox().send("leader", "trainer", "ok");
    Path bad = team.dir()
        .resolve("inbox/" + trainer.id() + "/2026-01-01T00-00-00.000000+00-00_0badf00d.json");
    Files.writeString(bad, "{\"msg_id\": \"0badf00d\", \"team_id\": ");
    var history = team.inbox().history("trainer");
    assertThat(history.items()).extracting(Message::body).containsExactly("ok");
    assertThat(history.problems()).hasSize(1);
    assertThat(history.problems().get(0).path()).isEqualTo(bad);
    assertThat(team.inbox().receive("trainer")).extracting(Message::body).containsExactly("ok");
    assertThat(Files.exists(bad)).isTrue();
  }

  @Test
  void newMessagesAreEvents() {
    List<TeamEvent> events = new CopyOnWriteArrayList<>();
    team.subscribe(events::add);
    Inbox.Delivery d = team.inbox().send("leader", "trainer", "evented");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(events)
            .filteredOn(e -> e instanceof TeamEvent.MessageReceived)
            .extracting(e -> ((TeamEvent.MessageReceived) e).message().id())
            .containsExactly(d.message().id()));
    team.inbox().receive("trainer");
    // Marking it read is not a new message.
    team.inbox().send("leader", "eval", "second");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(events)
            .filteredOn(e -> e instanceof TeamEvent.MessageReceived)
            .hasSize(2));
  }
}
