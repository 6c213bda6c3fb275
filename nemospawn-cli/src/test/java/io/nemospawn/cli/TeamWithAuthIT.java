package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.ConfigKey;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.junit.FakeAgents;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AccessKeys;
import io.nemospawn.state.AuditChain;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole team run with auth on: fake agents in real processes (tmux and plain process) do their
 * work through the real CLI with the team-scoped keys they were given; afterwards no key is in
 * any file or log under the data directory (only their salted hashes, and those removed), nor in
 * any agent's command line, and the audit chain holds and names the agents as users.
 */
class TeamWithAuthIT {
  @TempDir
  Path dir;

  @AfterEach
  void tearDown() throws Exception {
    new ProcessBuilder("tmux", "-S", dir.resolve("tmux.sock").toString(), "kill-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    System.clearProperty("nemospawn.tmux.socket");
  }

  /** The agent's key as its process sees it (read from /proc while it runs). */
  static String keyOf(long pid) throws Exception {
    byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
    for (String var : new String(env, StandardCharsets.UTF_8).split("\0")) {
      if (var.startsWith("NEMOSPAWN_API_KEY=")) {
        return var.substring("NEMOSPAWN_API_KEY=".length());
      }
    }
    throw new AssertionError("agent " + pid + " has no NEMOSPAWN_API_KEY");
  }

  @Test
  void agentsWorkWithTheirScopedKeysAndNoKeyIsLeftAnywhere() throws Exception {
    System.setProperty("nemospawn.tmux.socket", dir.resolve("tmux.sock").toString());
    Path launcher = Path.of("..", "bin", "nemospawn").toAbsolutePath().normalize();
    Path jar = Path.of("target", "nemospawn.jar");
    List<String> cli = FakeAgents.javaCommand();
    cli.add(Main.class.getName());
    String cliText = Files.isExecutable(launcher) && Files.exists(jar)
        ? launcher.toString()
        : String.join(" ", cli);
    Path data = dir.resolve("data");
    List<String> keys = new ArrayList<>();
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open()) {
      ns.config().set(ConfigKey.AUTH, "on");
      Team team = ns.newTeam("guarded").gpus(0, 1, 2).create();
      Agent leader = team.spawn(AgentSpec.builder("leader")
          .role("leader")
          .runtime("process")
          .gpuCount(1)
          .task("Run the sweep: two trainings, then an evaluation.")
          .command(FakeAgents.command("--dag", "2"))
          .env(FakeAgents.CLI_ENV, cliText)
          .env(FakeAgents.DEADLINE_ENV, "240")
          .build());
      keys.add(keyOf(leader.info().pid()));
      List<Agent> workers = new ArrayList<>();
      String[] runtimes = {"process", "tmux"};
      for (int i = 0; i < 2; i++) {
        Agent w = team.spawn(AgentSpec.builder("worker-" + (i + 1))
            .runtime(runtimes[i])
            .gpuCount(1)
            .task("Claim training tasks and report val_loss.")
            .command(FakeAgents.command("--plan", "--work-ms", "100"))
            .env(FakeAgents.CLI_ENV, cliText)
            .env(FakeAgents.DEADLINE_ENV, "240")
            .build());
        workers.add(w);
        if (runtimes[i].equals("process")) {
          keys.add(keyOf(w.info().pid()));
        }
      }
      for (long pid : List.of(leader.info().pid(), workers.get(0).info().pid())) {
        String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
        keys.forEach(k -> assertThat(cmdline).doesNotContain(k));
      }
      assertThat(keys).doesNotHaveDuplicates().allSatisfy(k -> assertThat(k).hasSize(43));
      boolean finished = leader.awaitExit(Duration.ofSeconds(280));
      assertThat(finished).isTrue();
      assertThat(leader.exitCode()).hasValue(0);
      List<Task> tasks = team.tasks().list().items();
      assertThat(tasks).hasSize(3).allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.DONE));
      for (Agent w : workers) {
        w.awaitExit(Duration.ofSeconds(30));
      }
      // A listing reconciles records with processes: agents that exited are recorded as such.
      team.agents().list();
      team.close();
    }
    // The agents acted under their own names, and the chain holds.
    String audit = Files.readString(data.resolve("audit.jsonl"));
    assertThat(audit).contains("\"user\":\"leader-");
    assertThat(AuditChain.verify(AuditChain.files(data)).intact()).isTrue();
    // Stopped agents' keys are revoked.
    assertThat(AccessKeys.of(data).list())
        .noneMatch(m -> m.getOrDefault("label", "").startsWith("agent:leader"));
    // No key in any file or log under the test's directory (data dir, logs, tmux socket dir).
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    assertThat(files.size()).isGreaterThan(20);
    for (Path f : files) {
      byte[] content = Files.readAllBytes(f);
      String text = new String(content, StandardCharsets.ISO_8859_1);
      for (String k : keys) {
        assertThat(text).as(f.toString()).doesNotContain(k);
      }
    }
  }
}
