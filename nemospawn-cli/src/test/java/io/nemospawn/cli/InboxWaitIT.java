package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inbox receive --wait} in one process is woken by {@code inbox send} in another. */
class InboxWaitIT {
  @TempDir
  Path dir;

  Process cli(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1",
        "-cp",
        System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--data-dir", dir.toString()));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  @Test
  void receiveWaitWakesOnAMessageSentByAnotherProcess() throws Exception {
    String team;
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.newTeam("wait").create()) {
      team = t.id();
      t.agents().register("worker", "worker", List.of(), "");
    }
    Process receiver = cli(
        "inbox",
        "receive",
        "--team",
        team,
        "--agent",
        "worker",
        "--wait",
        "--timeout",
        "120",
        "--json");
    Process sender = cli("inbox", "send", "worker", "wake up", "--team", team);
    assertThat(sender.waitFor(120, TimeUnit.SECONDS)).isTrue();
    long sentAt = System.nanoTime();
    assertThat(sender.exitValue()).isZero();
    assertThat(receiver.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = new String(receiver.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(receiver.exitValue()).as(out).isZero();
    assertThat(out).contains("\"body\" : \"wake up\"");
    // Woken by the message, not by the 120 s timeout.
    assertThat(Duration.ofNanos(System.nanoTime() - sentAt)).isLessThan(Duration.ofSeconds(30));
  }
}
