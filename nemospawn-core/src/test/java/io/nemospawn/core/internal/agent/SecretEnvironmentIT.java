package io.nemospawn.core.internal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Secrets in an agent's environment reach the agent but no command line that `ps` shows. */
class SecretEnvironmentIT {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;

  @BeforeEach
  void setUp() {
    System.setProperty("nemospawn.tmux.socket", dir.resolve("tmux.sock").toString());
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .open();
    team = ns.newTeam("sec").create();
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

  /** Returns the pids whose command line contains {@code text}. */
  static List<String> commandLinesContaining(String text) throws IOException {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    List<String> found = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        byte[] cmdline;
        try {
          cmdline = Files.readAllBytes(p.resolve("cmdline"));
        } catch (IOException e) {
          continue; // Exited meanwhile.
        }
        if (indexOf(cmdline, needle) >= 0) {
          found.add(p.getFileName() + ": "
              + new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' '));
        }
      }
    }
    return found;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tmux", "process", "sandbox"})
  void aSecretReachesTheAgentsEnvironmentButNoCommandLine(String runtime) throws Exception {
    String secret = "sk-" + UUID.randomUUID();
    String quoted = "it's $(touch " + dir.resolve("PWNED") + ") " + secret;
    Agent a = team.spawn(AgentSpec.builder("keyed-" + runtime)
        .runtime(runtime)
        .env("NS_TEST_SECRET", secret)
        .env("NS_TEST_QUOTED", quoted)
        .command(
            "/bin/sh",
            "-c",
            "printf 'SEEN=%s\\nQUOTED=%s\\nREADY\\n' \"$NS_TEST_SECRET\" \"$NS_TEST_QUOTED\";"
                + " exec sleep 300")
        .build());
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.readString(a.logFile()).contains("READY"));
      String log = Files.readString(a.logFile()).replace("\r", "");
      assertThat(log).contains("SEEN=" + secret + "\n").contains("QUOTED=" + quoted + "\n");
      assertThat(a.isAlive()).isTrue();
      assertThat(commandLinesContaining(secret)).isEmpty();
      // The environment file the wrapper read is gone once the agent runs.
      try (var files = Files.list(a.logFile().getParent())) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".env"));
      }
      assertThat(dir.resolve("PWNED")).doesNotExist();
    } finally {
      a.stop(Duration.ofSeconds(2));
    }
  }
}
