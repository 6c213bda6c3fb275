package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.AgentSpec;
import io.nemospawn.ConfigKey;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.Transport;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.inbox.Inbox.Delivery;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.TransportKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transport chosen in Java wins over the {@code transport} setting. */
class TransportChoiceIT {
  @TempDir
  Path dir;

  NemoSpawn open(Transport transport) {
    NemoSpawn.Builder b = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE);
    return transport == null ? b.open() : b.transport(transport).open();
  }

  @Test
  void aTransportSetOnTheBuilderIsTheOneTheTeamSendsWith() throws Exception {
    String teamId;
    AgentInfo agent;
    try (NemoSpawn setup = open(null)) {
      setup.config().set(ConfigKey.TRANSPORT, "shm");
      Team team = setup.newTeam("choice").create();
      teamId = team.id();
      agent = team.agents().register(AgentSpec.builder("rx").build());
    }
    ExecutorService pool = Executors.newSingleThreadExecutor();
    List<Message> got = new CopyOnWriteArrayList<>();
    try (NemoSpawn receiver = open(null);
        NemoSpawn bySetting = open(null);
        NemoSpawn byBuilder = open(Transport.file())) {
      Team rx = receiver.team(teamId);
      pool.submit(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          got.addAll(rx.inbox().receive(agent.id(), Duration.ofMillis(200)));
        }
        return null;
      });
      // The setting (shm) is what a handle without a builder choice negotiates up to.
      Team viaSetting = bySetting.team(teamId);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> viaSetting.inbox().send("leader", "rx", "probe").kind() == TransportKind.SHM);
      // The builder's choice (file) wins over the setting, although the receiver listens on shm.
      Team viaBuilder = byBuilder.team(teamId);
      for (int i = 0; i < 5; i++) {
        Delivery d = viaBuilder.inbox().send("leader", "rx", "b" + i);
        assertThat(d.kind()).isEqualTo(TransportKind.FILE);
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> got.stream().filter(m -> m.body().startsWith("b")).count() == 5);
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(NemoSpawn.builder().dataDir(dir).transport(Transport.zmq()).toString())
        .contains("transport=zmq");
  }
}
