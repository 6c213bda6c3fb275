package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/nemospawn} with {@code NEMOSPAWN_URL} against a real control plane: the
 * agent-facing commands change the server's team, not the CLI's own data directory.
 */
class RemoteCliIT {
  @TempDir
  Path serverDir;

  @TempDir
  Path clientDir;

  @Test
  void agentFacingCommandsWorkOnTheRemoteTeam() throws Exception {
    String key = ControlPlane.ensureKey(serverDir).orElseThrow();
    try (NemoSpawn local = NemoSpawn.open(serverDir);
        ControlPlanes.Served served = ControlPlanes.serve(
            local, ControlPlane.Options.defaults(serverDir).withAddress("127.0.0.1", 0))) {
      String teamId;
      try (Team t = local.newTeam("remote").create()) {
        teamId = t.id();
        t.agents().register("worker", "trainer", List.of(), "train");
      }
      Map<String, String> env = Map.of(
          "NEMOSPAWN_DATA_DIR",
          clientDir.toString(),
          "NEMOSPAWN_URL",
          served.server().url().toString(),
          "NEMOSPAWN_API_KEY",
          key,
          "NEMOSPAWN_DAEMON",
          "off");
      CliProcesses.Result r = CliProcesses.run(env, "task", "create", teamId, "remote task");
      assertThat(r.code()).as(r.err()).isZero();
      Team team = local.team(teamId);
      Task created = team.tasks().list().items().stream()
          .filter(x -> x.title().equals("remote task"))
          .findFirst()
          .orElseThrow();

      r = CliProcesses.run(
          env, "task", "claim", created.id(), "--agent", "worker", "--team", teamId);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(team.tasks().get(created.id()).owner()).isEqualTo("worker");

      r = CliProcesses.run(
          env, "task", "update", teamId, created.id(), "--status", "done", "--val-loss", "0.2");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(team.tasks().get(created.id()).state()).isEqualTo(TaskState.DONE);

      r = CliProcesses.run(env, "task", "list", teamId);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains(created.id());

      r = CliProcesses.run(env, "inbox", "send", teamId, "worker", "hi there", "--from", "lead");
      assertThat(r.code()).as(r.err()).isZero();
      r = CliProcesses.run(env, "inbox", "receive", teamId, "worker");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("hi there");

      r = CliProcesses.run(
          env,
          "plan",
          "submit",
          "--team",
          teamId,
          "--agent",
          "worker",
          "--title",
          "the plan",
          "--steps",
          "a,b");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(team.plans().list().items()).extracting(p -> p.title()).contains("the plan");

      r = CliProcesses.run(
          env, "lifecycle", "idle", "--team", teamId, "--agent", "worker", "--reason", "done");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(team.lifecycle().status("worker").lifecycle()).isEqualTo(LifecycleState.IDLE);

      Path ckpt = Files.createDirectories(serverDir.resolve("ckpt"));
      r = CliProcesses.run(
          env, "artifact", "register", teamId, ckpt.toString(), "--val-loss", "0.1");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(team.artifacts().list(Artifacts.Query.all()).items()).hasSize(1);

      // nothing landed in the CLI's own data directory
      try (var files = Files.list(clientDir)) {
        assertThat(files.filter(f -> f.getFileName().toString().startsWith("team")))
            .isEmpty();
      }

      // a URL without a key is refused with what to set
      r = CliProcesses.run(
          Map.of(
              "NEMOSPAWN_DATA_DIR",
              clientDir.toString(),
              "NEMOSPAWN_URL",
              served.server().url().toString(),
              "NEMOSPAWN_DAEMON",
              "off"),
          "task",
          "list",
          teamId);
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("NEMOSPAWN_API_KEY");
    }
  }
}
