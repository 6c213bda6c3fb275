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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
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

  /** The environment of a CLI in clientDir that talks to {@code served} with {@code key}. */
  private Map<String, String> client(ControlPlanes.Served served, @Nullable String key) {
    Map<String, String> env = new HashMap<>();
    env.put("NEMOSPAWN_DATA_DIR", clientDir.toString());
    env.put("NEMOSPAWN_URL", served.server().url().toString());
    env.put("NEMOSPAWN_DAEMON", "off");
    if (key != null) {
      env.put("NEMOSPAWN_API_KEY", key);
    }
    return env;
  }

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
      Map<String, String> env = client(served, key);
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
      r = CliProcesses.run(client(served, null), "task", "list", teamId);
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("NEMOSPAWN_API_KEY");
    }
  }

  @Test
  void hpoAndGpuCommandsWorkOnTheServersStudiesAndTeam() throws Exception {
    String key = ControlPlane.ensureKey(serverDir).orElseThrow();
    try (NemoSpawn local = NemoSpawn.open(serverDir);
        ControlPlanes.Served served = ControlPlanes.serve(
            local, ControlPlane.Options.defaults(serverDir).withAddress("127.0.0.1", 0))) {
      String teamId;
      try (Team t = local.newTeam("remote-gpus").create()) {
        teamId = t.id();
      }
      Map<String, String> env = client(served, key);
      CliProcesses.Result r = CliProcesses.run(env, "hpo", "init", "--study", "sweep");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(io.nemospawn.hpo.Hpo.storageFile(serverDir, "sweep")).isRegularFile();
      assertThat(clientDir.resolve("hpo")).doesNotExist();

      r = CliProcesses.run(env, "hpo", "suggest", "--study", "sweep", "--json");
      assertThat(r.code()).as(r.err()).isZero();
      var suggested = new tools.jackson.databind.ObjectMapper().readTree(r.out());
      int trial = suggested.path("trial_id").asInt();
      assertThat(suggested.has("lr")).isTrue();

      r = CliProcesses.run(
          env,
          "hpo",
          "report",
          "--study",
          "sweep",
          "--trial",
          "" + trial,
          "--step",
          "1",
          "--val-loss",
          "0.8");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("continue");
      r = CliProcesses.run(
          env,
          "hpo",
          "report",
          "--study",
          "sweep",
          "--trial",
          "" + trial,
          "--step",
          "final",
          "--val-loss",
          "0.5");
      assertThat(r.code()).as(r.err()).isZero();
      try (io.nemospawn.hpo.Study s = io.nemospawn.hpo.Hpo.open(serverDir, "sweep")) {
        assertThat(s.trial(trial).state()).isEqualTo(io.nemospawn.hpo.TrialState.COMPLETE);
        assertThat(s.trial(trial).intermediateValues()).containsEntry(1, 0.8);
      }
      r = CliProcesses.run(env, "hpo", "best", "--study", "sweep");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("trial " + trial + " value=0.5");
      r = CliProcesses.run(env, "hpo", "trials", "--study", "sweep");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("COMPLETE");
      // an unknown study: the server's error, naming it
      r = CliProcesses.run(env, "hpo", "suggest", "--study", "nope");
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("nope");

      // gpu status on the remote team: the snapshot is the server's, saved in its team dir
      r = CliProcesses.run(env, "gpu", "status", teamId);
      assertThat(r.code()).as(r.err()).isZero();
      Path metrics = serverDir.resolve("teams").resolve(teamId).resolve("metrics");
      try (var files = Files.list(metrics)) {
        assertThat(files.filter(f -> f.getFileName().toString().startsWith("dcgm_")))
            .isNotEmpty();
      }
      assertThat(r.out()).contains(metrics.toString());
    }
  }

  @Test
  void projectCommandsAreClientsOfTheServer() throws Exception {
    String key = ControlPlane.ensureKey(serverDir).orElseThrow();
    Path repo = Files.createDirectories(serverDir.resolve("repo"));
    for (List<String> git : List.of(
        List.of("git", "init", "-q", "-b", "main"),
        List.of(
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "base"))) {
      Process p = new ProcessBuilder(git).directory(repo.toFile()).inheritIO().start();
      assertThat(p.waitFor()).isZero();
    }
    Path tasks = clientDir.resolve("tasks.json");
    Files.writeString(tasks, """
        {"tasks": [{"task_id": "a", "title": "A", "prompt": "do a"},
                   {"task_id": "b", "title": "B", "prompt": "do b", "depends_on": ["a"]}]}
        """);
    try (NemoSpawn local = NemoSpawn.open(serverDir);
        ControlPlanes.Served served = ControlPlanes.serve(
            local, ControlPlane.Options.defaults(serverDir).withAddress("127.0.0.1", 0))) {
      String teamId;
      try (Team t = local.newTeam("workers").create()) {
        teamId = t.id();
      }
      Map<String, String> env = client(served, key);
      CliProcesses.Result r = CliProcesses.run(
          env,
          "project",
          "create",
          "--title",
          "Demo",
          "--repo",
          repo.toString(),
          "--team",
          teamId,
          "--tasks",
          tasks.toString(),
          "--json");
      assertThat(r.code()).as(r.err()).isZero();
      String id = new tools.jackson.databind.ObjectMapper()
          .readTree(r.out())
          .path("project_id")
          .asString();
      assertThat(id).startsWith("proj-");
      // the server's projects, not the CLI's data directory
      io.nemospawn.server.project.Projects projects =
          io.nemospawn.server.project.Projects.open(local);
      assertThat(projects.get(id).taskOrder()).containsExactly("a", "b", "integration");
      assertThat(clientDir.resolve("projects")).doesNotExist();

      r = CliProcesses.run(env, "project", "list");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains(id).contains("Demo");
      r = CliProcesses.run(env, "project", "start", id);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(projects.get(id).status()).isEqualTo("running");
      r = CliProcesses.run(env, "project", "show", id);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("integration");
      r = CliProcesses.run(env, "project", "resume", id, "--preview", "--retry-failed");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("Resume of " + id);

      // bad input: an unknown project, a hostile task id (refused before anything is sent)
      r = CliProcesses.run(env, "project", "show", "proj-00000000");
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("proj-00000000");
      Files.writeString(tasks, "[{\"task_id\": \"../x\", \"title\": \"X\", \"prompt\": \"x\"}]");
      r = CliProcesses.run(
          env,
          "project",
          "create",
          "--title",
          "Bad",
          "--repo",
          repo.toString(),
          "--team",
          teamId,
          "--tasks",
          tasks.toString());
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("../x");
      assertThat(projects.list()).hasSize(1);
      // a server that is not there: a clear error naming it
      r = CliProcesses.run(env, "project", "list", "--url", "tcp://127.0.0.1:1");
      assertThat(r.code()).isNotZero();
      assertThat(r.err()).contains("tcp://127.0.0.1:1");
    }
  }
}
