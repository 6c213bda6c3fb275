package io.nemospawn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.inbox.Message;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client against a real server on loopback, checked against the embedded library. */
class RemoteApiTest {
  @TempDir
  Path data;

  NemoSpawn local;
  NemoSpawnV1Handler handler;
  ControlPlane server;
  String key;

  @BeforeEach
  void start() {
    key = ControlPlane.ensureKey(data).orElseThrow();
    local = NemoSpawn.open(data);
    handler = new NemoSpawnV1Handler(local);
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0), List.of(handler));
  }

  @AfterEach
  void stop() {
    server.close();
    handler.close();
    local.close();
  }

  @Test
  void theAgentFacingApiWorksRemotelyAndLandsInTheServersState() throws Exception {
    try (NemoSpawn remote = NemoSpawn.connect(server.url(), key)) {
      Team team = remote.newTeam("remote-team").description("over the wire").create();
      assertThat(remote.teams().items()).extracting(t -> t.name()).contains("remote-team");

      List<TeamEvent> seen = new CopyOnWriteArrayList<>();
      team.subscribe(seen::add);

      AgentInfo w = team.agents().register("worker-1", "trainer", List.of(), "train");
      Task t = team.tasks().create(TaskSpec.of("train").withDescription("a model"));
      Task claimed = team.tasks().claim(t.id(), "worker-1", Duration.ofMinutes(5));
      assertThat(claimed.owner()).isEqualTo("worker-1");
      team.tasks().update(t.id(), TaskUpdate.of(TaskState.RUNNING).withValLoss(0.25));
      team.tasks().complete(t.id()); // a default method, run on top of update
      try (Team same = local.team("remote-team")) {
        Task stored = same.tasks().get(t.id());
        assertThat(stored.state()).isEqualTo(TaskState.DONE);
        assertThat(stored.valLoss()).hasValue(0.25);
      }
      assertThat(team.tasks().list(TaskState.DONE)).extracting(Task::id).containsExactly(t.id());

      team.inbox().send("lead", "worker-1", "hello \"there\"\n$(id)");
      List<Message> got = team.inbox().receive("worker-1");
      assertThat(got).extracting(Message::body).containsExactly("hello \"there\"\n$(id)");

      Plan plan = team.plans().submit(new PlanSpec("worker-1", "plan", "do it", List.of("a", "b")));
      assertThat(local.team("remote-team").plans().get(plan.id()).steps())
          .containsExactly("a", "b");

      AgentInfo idle = team.lifecycle().idle(w.name(), "waiting");
      assertThat(idle.id()).isEqualTo(w.id());

      Path ckpt = Files.createDirectories(data.resolve("ckpt"));
      Artifact a = team.artifacts()
          .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, ckpt).withValLoss(0.5));
      assertThat(team.artifacts().list(Artifacts.Query.all()).items())
          .extracting(Artifact::id)
          .containsExactly(a.id());

      assertThatThrownBy(() -> team.tasks().get("nope"))
          .isInstanceOf(NoSuchElementException.class)
          .hasMessageContaining("nope");
      assertThatThrownBy(() -> remote.team("no-such-team"))
          .isInstanceOf(NoSuchElementException.class);
      assertThatThrownBy(() -> team.workspaces()).isInstanceOf(UnsupportedOperationException.class);

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (seen.stream().noneMatch(e -> e instanceof TeamEvent.TaskChanged)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(seen)
          .anyMatch(e -> e instanceof TeamEvent.TaskChanged tc && tc.task().id().equals(t.id()));
    }
  }

  @Test
  void aWrongKeyIsRefused() {
    URI url = server.url();
    assertThatThrownBy(() -> NemoSpawn.connect(url, "k".repeat(43)))
        .isInstanceOf(RemoteException.class)
        .hasMessageContaining("key");
  }
}
