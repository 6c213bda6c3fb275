package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.GpuUnavailableException;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.spi.Durability;
import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real agents started by each runtime: environment, verbatim arguments, stopping, leases. */
class AgentRuntimeIT {
  static final String HOSTILE_TASK = "it's \"quoted\" $(touch PWNED) `touch PWNED`; rm -rf /nope\n"
      + "line two\ttab \\ backslash 🚀 ünïcödé $HOME ${PATH} && echo x | cat > PWNED";

  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  Path probe;
  Path pwned;

  @BeforeEach
  void setUp() throws IOException {
    System.setProperty("nemospawn.tmux.socket", dir.resolve("tmux.sock").toString());
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    team = ns.newTeam("rt").gpus(0, 1, 2, 3).create();
    pwned = dir.resolve("PWNED");
    probe = dir.resolve("probe.sh");
    Files.writeString(
        probe,
        String.join(
            "\n",
            "#!/bin/sh",
            "echo \"TEAM=$NEMOSPAWN_TEAM\"",
            "echo \"AGENT=$NEMOSPAWN_AGENT\"",
            "echo \"CUDA=$CUDA_VISIBLE_DEVICES\"",
            "echo \"PROMPT=$NEMOSPAWN_PROMPT\"",
            "echo \"DATA=$NEMOSPAWN_DATA_DIR\"",
            "echo \"SESSION=$NEMOSPAWN_SESSION\"",
            "echo \"EXTRA=$EXTRA\"",
            "for a in \"$@\"; do printf 'ARG<%s>\\n' \"$a\"; done",
            "echo DONE",
            ""));
    Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void tearDown() throws Exception {
    ns.close();
    new ProcessBuilder("tmux", "-S", dir.resolve("tmux.sock").toString(), "kill-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    System.clearProperty("nemospawn.tmux.socket");
  }

  private static String log(Agent a) throws IOException {
    return Files.readString(a.logFile(), StandardCharsets.UTF_8).replace("\r", "");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tmux", "process", "sandbox"})
  void environmentAndHostileTextReachTheAgentVerbatim(String runtime) throws Exception {
    List<String> args = List.of(
        "it's",
        "$(touch " + pwned + ")",
        "`touch " + pwned + "`",
        "a;touch " + pwned,
        "two\nlines",
        "ünï 🚀",
        "",
        "ends with;",
        "kill-server",
        "x\\;",
        ";");
    List<String> command = new ArrayList<>(List.of(probe.toString()));
    command.addAll(args);
    Agent a = team.spawn(AgentSpec.builder("probe-" + runtime)
        .runtime(runtime)
        .gpus(1, 3)
        .task(HOSTILE_TASK.replace("PWNED", pwned.toString()))
        .env("EXTRA", "x $(touch " + pwned + ") y;")
        .command(command)
        .build());
    assertThat(a.awaitExit(Duration.ofSeconds(60))).isTrue();
    await().atMost(Duration.ofSeconds(20)).until(() -> log(a).contains("DONE"));
    String out = log(a);
    Path prompt = PromptWriter.path(team.dir(), a.id());
    assertThat(out)
        .contains("TEAM=" + team.id() + "\n")
        .contains("AGENT=" + a.id() + "\n")
        .contains("CUDA=1,3")
        .contains("PROMPT=" + prompt)
        .contains("DATA=" + ns.dataDir())
        .contains("SESSION=sess-")
        .contains("EXTRA=x $(touch " + pwned + ") y;\n");
    List<String> got = out.lines()
        .filter(l -> l.startsWith("ARG<") || !l.contains("=") && !l.equals("DONE") && !l.isBlank())
        .collect(Collectors.toList());
    String joined = String.join("\n", got).replace("\r", "");
    for (String arg : args) {
      assertThat(joined).contains("ARG<" + arg + ">");
    }
    assertThat(Files.readString(prompt)).contains(HOSTILE_TASK.replace("PWNED", pwned.toString()));
    assertThat(pwned).doesNotExist();
    assertThat(a.exitCode()).hasValue(0);
    assertThat(a.info().status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(a.info().lifecycle()).isEqualTo(LifecycleState.DEAD);
    assertThat(a.info().lifecycleReason()).isEqualTo("process exited with code 0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tmux", "process", "sandbox"})
  void stopLeavesNoProcessBehindAndFreesTheGpus(String runtime) throws Exception {
    Agent a = team.spawn(AgentSpec.builder("sleeper")
        .runtime(runtime)
        .gpus(2)
        .command("/bin/sh", "-c", "sleep 300 & sleep 300 & trap '' TERM; echo READY; wait")
        .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> log(a).contains("READY"));
    long pid = a.info().pid();
    List<ProcessHandle> tree = ProcessHandle.of(pid).orElseThrow().descendants().toList();
    assertThat(tree).hasSizeGreaterThanOrEqualTo(3);
    assertThatThrownBy(() -> team.spawn(
            AgentSpec.builder("second").runtime(runtime).gpus(2).command("true").build()))
        .isInstanceOf(GpuUnavailableException.class)
        .hasMessage("Cannot spawn agent 'second' on GPU 2: GPU 2 is leased by 'sleeper'."
            + " Free GPUs: [0, 1, 3].");
    a.stop(Duration.ofSeconds(2));
    for (ProcessHandle p : tree) {
      await().atMost(Duration.ofSeconds(15)).until(() -> !p.isAlive());
    }
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(a.isAlive()).isFalse();
    assertThat(a.info().status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(((FileTeam) team).supervisor().records().leases()).isEmpty();
    Agent b = team.spawn(
        AgentSpec.builder("second").runtime(runtime).gpus(2).command("true").build());
    assertThat(b.info().gpuIds()).containsExactly(2);
    assertThat(b.awaitExit(Duration.ofSeconds(30))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tmux", "process", "sandbox"})
  void stopAlsoEndsAChildTheAgentForksAsItExits(String runtime) throws Exception {
    // On TERM the agent starts a child and exits at once: the child is reparented away from the
    // agent's tree before any scan of descendants can see it, but stays in the agent's process
    // group, which stop ends too. Its command line carries a number unique to this run.
    long marker = 4_000_000 + ProcessHandle.current().pid() % 1_000_000;
    Agent a = team.spawn(AgentSpec.builder("forker")
        .runtime(runtime)
        .command(
            "/bin/sh",
            "-c",
            "trap 'sleep " + marker + " & exit 0' TERM; echo READY;"
                + " while :; do sleep 0.1; done")
        .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> log(a).contains("READY"));
    a.stop(Duration.ofSeconds(4));
    assertThat(a.isAlive()).isFalse();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> ProcessHandle.allProcesses()
            .noneMatch(p -> p.info().commandLine().orElse("").endsWith("sleep " + marker)));
  }

  @Test
  void nudgeTypesLiterallyIntoATmuxPaneAndSeesIt() throws Exception {
    Agent a = team.spawn(AgentSpec.builder("reader")
        .runtime("tmux")
        .command("/bin/sh", "-c", "echo READY; read line; printf 'GOT<%s>\\n' \"$line\"; sleep 30")
        .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> log(a).contains("READY"));
    String text = "check inbox: $(touch " + pwned + ") 'q' `id` ;";
    assertThat(a.nudge(text, Duration.ofSeconds(20))).isTrue();
    await().atMost(Duration.ofSeconds(20)).until(() -> log(a).contains("GOT<" + text + ">"));
    assertThat(pwned).doesNotExist();
    a.stop(Duration.ofSeconds(2));
    Agent p = team.spawn(
        AgentSpec.builder("plain").runtime("process").command("sleep", "30").build());
    assertThat(p.nudge("hello", Duration.ofSeconds(1))).isFalse();
    p.stop(Duration.ofSeconds(2));
  }

  @Test
  void placesGpuCountsOnTheLowestFreeIndicesAndRefusesWhenTooFewAreFree() throws Exception {
    Agent a = team.spawn(AgentSpec.builder("a")
        .runtime("process")
        .gpus(0)
        .command("sleep", "300")
        .build());
    Agent b = team.spawn(AgentSpec.builder("b")
        .runtime("process")
        .gpuCount(2)
        .command("sleep", "300")
        .build());
    assertThat(b.info().gpuIds()).containsExactly(1, 2);
    assertThatThrownBy(() -> team.spawn(AgentSpec.builder("c")
            .runtime("process")
            .gpuCount(2)
            .command("sleep", "300")
            .build()))
        .isInstanceOf(GpuUnavailableException.class)
        .hasMessage("Cannot spawn agent 'c' on 2 GPU(s): only 1 of team " + team.id()
            + "'s GPUs [0, 1, 2, 3] are free (leased: {0=a, 1=b, 2=b}). Free GPUs: [3].")
        .satisfies(e -> assertThat(((GpuUnavailableException) e).free()).containsExactly(3));
    assertThatThrownBy(() -> team.spawn(AgentSpec.builder("d")
            .runtime("process")
            .gpus(7)
            .command("sleep", "300")
            .build()))
        .hasMessage("Cannot spawn agent 'd' on GPU 7: GPU 7 is not one of team " + team.id()
            + "'s GPUs [0, 1, 2, 3]. Free GPUs: [3].");
    a.stop(Duration.ofSeconds(2));
    b.stop(Duration.ofSeconds(2));
  }

  @Test
  void placesGpuCountsInsideOneNvlinkIslandOfTheTopologyTheTeamRecords() throws Exception {
    // Two islands of four (NV12 inside, SYS across). With 0-2 taken, the lowest free pair would
    // be [3, 4], across the islands; island-aware placement takes [4, 5].
    GpuTopology.Builder machine = GpuTopology.builder().source("test");
    for (int i = 0; i < 8; i++) {
      machine.gpu(Gpu.of(i, "H100"));
    }
    for (int i = 0; i < 8; i++) {
      for (int j = i + 1; j < 8; j++) {
        machine.link(i, j, i / 4 == j / 4 ? "NV12" : "SYS");
      }
    }
    Team islands = ns.newTeam("islands")
        .gpus(0, 1, 2, 3, 4, 5, 6, 7)
        .topology(machine.build())
        .create();
    Agent a = islands.spawn(AgentSpec.builder("a")
        .runtime("process")
        .gpus(0, 1, 2)
        .command("sleep", "300")
        .build());
    Agent b = islands.spawn(AgentSpec.builder("b")
        .runtime("process")
        .gpuCount(2)
        .command("sleep", "300")
        .build());
    assertThat(b.info().gpuIds()).containsExactly(4, 5);
    Agent c = islands.spawn(AgentSpec.builder("c")
        .runtime("process")
        .gpuCount(2)
        .command("sleep", "300")
        .build());
    assertThat(c.info().gpuIds()).containsExactly(6, 7);
    a.stop(Duration.ofSeconds(2));
    b.stop(Duration.ofSeconds(2));
    c.stop(Duration.ofSeconds(2));
  }

  @Test
  void aDeadAgentIsMarkedAndItsGpusFreedOnTheNextReconcile() throws Exception {
    Agent a = team.spawn(AgentSpec.builder("crasher")
        .runtime("process")
        .gpus(0)
        .command("/bin/sh", "-c", "exit 3")
        .build());
    assertThat(a.awaitExit(Duration.ofSeconds(30))).isTrue();
    var sup = ((FileTeam) team).supervisor();
    sup.reconcile();
    assertThat(a.info().status()).isEqualTo(AgentStatus.STOPPED);
    assertThat(a.info().lifecycleReason()).isEqualTo("process exited with code 3");
    assertThat(a.exitCode()).hasValue(3);
    assertThat(sup.records().leases()).isEmpty();
  }

  @Test
  void refusesMissingCommandsAndHostileNamesClearly() {
    assertThatThrownBy(() -> team.spawn(AgentSpec.builder("x")
            .runtime("process")
            .command("/nonexistent/agent-cli")
            .build()))
        .hasMessage("Cannot spawn agent 'x': command '/nonexistent/agent-cli' is not an"
            + " executable file; install it or give its full path");
    assertThatThrownBy(() -> team.spawn(
            AgentSpec.builder("a;$(id)").runtime("process").command("true").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid agent name 'a;$(id)': character ';' at position 1");
    assertThatThrownBy(
            () -> team.spawn(AgentSpec.builder("nocmd").runtime("process").build()))
        .isInstanceOf(io.nemospawn.InvalidSettingException.class)
        .hasMessage("Agent 'nocmd' has no command: give it a command or a profile, or set the"
            + " default_profile setting to a profile's name");
    assertThat(team.agents().list().items()).isEmpty();
  }

  @Test
  void sandboxedAgentCannotWriteOutsideItsDirectoriesNorReachTheNetwork() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path work = Files.createDirectories(dir.resolve("work"));
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = listener.getLocalPort();
      String script = String.join(
          "; ",
          "touch " + outside + "/x && echo OUTSIDE-WRITTEN || echo OUTSIDE-DENIED",
          "touch " + work + "/x && echo WORK-WRITTEN || echo WORK-DENIED",
          "touch $NEMOSPAWN_DATA_DIR/teams/$NEMOSPAWN_TEAM/y && echo TEAM-WRITTEN",
          "touch /tmp/private && echo TMP-WRITTEN",
          "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port + "' 2>/dev/null && echo NET-OPEN"
              + " || echo NET-CLOSED");
      Agent closed = team.spawn(AgentSpec.builder("boxed")
          .runtime("sandbox")
          .repo(work)
          .command("/bin/sh", "-c", script)
          .build());
      assertThat(closed.awaitExit(Duration.ofSeconds(60))).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> log(closed).contains("NET-"));
      assertThat(log(closed))
          .contains("OUTSIDE-DENIED", "WORK-WRITTEN", "TEAM-WRITTEN", "TMP-WRITTEN", "NET-CLOSED");
      assertThat(outside.resolve("x")).doesNotExist();
      assertThat(work.resolve("x")).exists();
      assertThat(Path.of("/tmp/private")).doesNotExist();

      Agent open = team.spawn(AgentSpec.builder("netted")
          .runtime("sandbox")
          .repo(work)
          .network(true)
          .command("/bin/sh", "-c", script)
          .build());
      assertThat(open.awaitExit(Duration.ofSeconds(60))).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> log(open).contains("NET-"));
      assertThat(log(open)).contains("NET-OPEN", "OUTSIDE-DENIED");
    }
  }
}
