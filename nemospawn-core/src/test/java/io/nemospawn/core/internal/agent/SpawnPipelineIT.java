package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentLaunchException;
import io.nemospawn.AgentSpec;
import io.nemospawn.ConfigKey;
import io.nemospawn.InvalidSettingException;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.core.internal.agent.SpawnPipeline.Step;
import io.nemospawn.core.internal.runtime.Exec;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.spi.AgentRuntime;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The spawn pipeline with real tmux, git and processes: a failure injected after each step leaves
 * no GPU lease, no worktree, no prompt, no live record and no tmux session or process; a runtime
 * registered through the SPI alone plugs in.
 */
class SpawnPipelineIT {
  @TempDir
  Path dir;

  Path socket;
  Path repo;
  NemoSpawn ns;
  Team team;
  AgentSupervisor supervisor;

  @BeforeEach
  void setUp() throws Exception {
    socket = dir.resolve("tmux.sock");
    System.setProperty("nemospawn.tmux.socket", socket.toString());
    repo = Files.createDirectories(dir.resolve("repo"));
    git(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("train.py"), "lr = 1e-3\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "init");
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    team = ns.newTeam("pipe").gpus(0, 1, 2, 3).create();
    supervisor = ((FileTeam) team).supervisor();
  }

  @AfterEach
  void tearDown() throws Exception {
    ns.close();
    new ProcessBuilder("tmux", "-S", socket.toString(), "kill-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    System.clearProperty("nemospawn.tmux.socket");
  }

  private static String git(Path in, String... args) {
    Exec.Result r = Exec.run(
        Stream.concat(Stream.of("git"), Stream.of(args)).toList(),
        in,
        Map.of(
            "GIT_AUTHOR_NAME", "t",
            "GIT_AUTHOR_EMAIL", "t@x",
            "GIT_COMMITTER_NAME", "t",
            "GIT_COMMITTER_EMAIL", "t@x"),
        Duration.ofSeconds(30));
    assertThat(r.ok()).as("git %s: %s", List.of(args), r.why()).isTrue();
    return r.out();
  }

  /** A tmux agent with a worktree on GPU 1 that writes its pid, then sleeps. */
  private AgentSpec sleeper(String name, Path pidFile) {
    return AgentSpec.builder(name)
        .runtime("tmux")
        .repo(repo)
        .gpus(1)
        .command("/bin/sh", "-c", "echo $$ > \"$0\"; exec sleep 300", pidFile.toString())
        .build();
  }

  private List<String> tmuxSessions() {
    Exec.Result r = Exec.run(
        List.of("tmux", "-S", socket.toString(), "list-sessions", "-F", "#{session_name}"),
        null,
        Map.of(),
        Duration.ofSeconds(10));
    return r.ok() ? r.out().lines().filter(l -> !l.isBlank()).toList() : List.of();
  }

  private long worktrees() {
    return git(repo, "worktree", "list", "--porcelain")
        .lines()
        .filter(l -> l.startsWith("worktree "))
        .count();
  }

  @ParameterizedTest
  @EnumSource(Step.class)
  void aFailureAfterAnyStepLeavesNoLeaseWorktreePromptSessionOrProcess(Step failing)
      throws Exception {
    Path pidFile = dir.resolve("pid-" + failing);
    supervisor.observeSpawnSteps(step -> {
      if (step == failing) {
        if (step == Step.LAUNCH || step == Step.RECORD) {
          // The agent really runs before the failure: wait for its pid.
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        }
        throw new IllegalStateException("injected after " + step);
      }
    });

    assertThatThrownBy(() -> team.spawn(sleeper("w", pidFile)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("injected after " + failing)
        .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());

    assertThat(supervisor.records().leases()).isEmpty();
    List<AgentInfo> records = team.agents().list().items();
    if (failing == Step.PLAN) {
      assertThat(records).isEmpty();
    } else {
      AgentInfo a = records.get(0);
      assertThat(records).hasSize(1);
      assertThat(a.status()).isEqualTo(AgentStatus.STOPPED);
      assertThat(a.lifecycle()).isEqualTo(LifecycleState.DEAD);
      assertThat(a.lifecycleReason()).isEqualTo("launch failed: injected after " + failing);
      assertThat(PromptWriter.path(team.dir(), a.id())).doesNotExist();
    }
    assertThat(worktrees()).isEqualTo(1);
    Path workspaces = team.dir().resolve("workspaces");
    if (Files.exists(workspaces)) {
      try (Stream<Path> s = Files.list(workspaces)) {
        assertThat(s.toList()).isEmpty();
      }
    }
    assertThat(tmuxSessions()).isEmpty();
    if (Files.exists(pidFile)) {
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty());
    }

    // Nothing is left holding the name or the GPU: the same spawn now succeeds.
    supervisor.observeSpawnSteps(SpawnPipeline.StepObserver.NONE);
    Agent again = team.spawn(sleeper("w", dir.resolve("pid-again")));
    assertThat(again.info().gpuIds()).containsExactly(1);
    assertThat(tmuxSessions()).hasSize(1);
    again.stop(Duration.ofSeconds(2));
    assertThat(supervisor.records().leases()).isEmpty();
  }

  @Test
  void everyUndoRunsWhenOneFailsAndItsFailureIsSuppressedOnTheSpawnFailure() throws Exception {
    supervisor.observeSpawnSteps(step -> {
      if (step == Step.PREPARE) {
        // A locked worktree refuses 'git worktree remove --force': its undo will fail.
        AgentInfo a = team.agents().list().items().get(0);
        git(
            repo,
            "worktree",
            "lock",
            team.dir().resolve("workspaces").resolve(a.id()).toString());
        throw new IllegalStateException("injected after " + step);
      }
    });

    assertThatThrownBy(() -> team.spawn(sleeper("w", dir.resolve("pid"))))
        .hasMessage("injected after PREPARE")
        .satisfies(e -> assertThat(e.getSuppressed())
            .singleElement()
            .satisfies(s -> assertThat(s.getMessage())
                .startsWith("Cannot undo the worktree " + team.dir().resolve("workspaces"))
                .contains("locked")));

    // The undos before and after the failing one still ran.
    assertThat(supervisor.records().leases()).isEmpty();
    AgentInfo a = team.agents().list().items().get(0);
    assertThat(a.status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(a.lifecycleReason()).isEqualTo("launch failed: injected after PREPARE");
    assertThat(PromptWriter.path(team.dir(), a.id())).doesNotExist();
    Path wt = team.dir().resolve("workspaces").resolve(a.id());
    git(repo, "worktree", "unlock", wt.toString());
    git(repo, "worktree", "remove", "--force", wt.toString());
  }

  @Test
  void aRuntimeRegisteredThroughTheSpiAlonePlugsIn() throws Exception {
    assertThat(AgentRuntime.all()).extracting(AgentRuntime::name).contains("in-test");
    Agent a = team.spawn(AgentSpec.builder("custom")
        .runtime("in-test")
        .gpuCount(2)
        .command(
            "/bin/sh",
            "-c",
            "echo CUDA=$CUDA_VISIBLE_DEVICES; echo AGENT=$NEMOSPAWN_AGENT; exec sleep 300")
        .build());

    AgentRuntime.Launch launch = InTestRuntime.LAUNCHES.stream()
        .filter(l -> l.agentId().equals(a.id()))
        .findFirst()
        .orElseThrow();
    assertThat(launch.env())
        .containsEntry("CUDA_VISIBLE_DEVICES", "0,1")
        .containsEntry("NEMOSPAWN_TEAM", team.id())
        .containsEntry("NEMOSPAWN_AGENT_NAME", "custom");
    var raw = supervisor.records().raw(a.id());
    assertThat(a.runtime()).isEqualTo("in-test");
    assertThat(Json.text(raw, "runtime", "")).isEqualTo("in-test");
    assertThat(a.info().status()).isEqualTo(AgentStatus.RUNNING);
    assertThat(a.isAlive()).isTrue();
    assertThat(a.attachCommand()).containsExactly("tail", "-f", a.logFile().toString());
    assertThat(a.nudge("hello", Duration.ofMillis(100))).isFalse();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Files.readString(a.logFile()).contains("AGENT=" + a.id()));
    assertThat(Files.readString(a.logFile())).contains("CUDA=0,1");
    assertThat(supervisor.records().leases()).containsOnlyKeys(0, 1);

    long pid = raw.get("pid").asLong();
    a.stop(Duration.ofSeconds(2));
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(a.info().status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(supervisor.records().leases()).isEmpty();
  }

  @Test
  void planningFailuresNameTheSettingsAndLeaveNoRecord() throws Exception {
    assertThatThrownBy(
            () -> team.spawn(AgentSpec.builder("nothing").runtime("process").build()))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("Agent 'nothing' has no command: give it a command or a profile, or set the"
            + " default_profile setting to a profile's name")
        .satisfies(e -> assertThat(((InvalidSettingException) e).settings())
            .containsExactly("command", "profile", "default_profile"));

    ns.config().set(ConfigKey.WORKSPACE, "always");
    assertThatThrownBy(() -> team.spawn(
            AgentSpec.builder("norepo").runtime("process").command("true").build()))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("The workspace setting is 'always' but agent 'norepo' has no repository;"
            + " give it a git repository, or set workspace to 'auto'")
        .satisfies(e -> assertThat(((InvalidSettingException) e).settings())
            .containsExactly("repo", "workspace"));
    Path plain = Files.createDirectories(dir.resolve("plain"));
    assertThatThrownBy(() -> team.spawn(AgentSpec.builder("plain")
            .runtime("process")
            .repo(plain)
            .command("true")
            .build()))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("The repository " + plain + " of agent 'plain' is not inside a git"
            + " repository, and the workspace setting is 'always'; give a git repository, or set"
            + " workspace to 'auto'");

    assertThatThrownBy(() -> team.spawn(AgentSpec.builder("ghost")
            .runtime("process")
            .command("/nonexistent/cli")
            .build()))
        .isInstanceOf(AgentLaunchException.class);
    assertThat(team.agents().list().items()).isEmpty();
    assertThat(supervisor.records().leases()).isEmpty();
  }
}
