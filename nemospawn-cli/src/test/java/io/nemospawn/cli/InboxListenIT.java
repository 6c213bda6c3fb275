package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** {@code inbox receive} with the default settings listens on loopback only. */
class InboxListenIT {
  @TempDir
  Path dir;

  Process cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1",
        "-cp",
        System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--data-dir", dir.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("NEMOSPAWN_TRANSPORT");
    pb.environment().remove("NEMOSPAWN_ZMQ_BIND");
    return pb.start();
  }

  /** Local addresses of listening TCP sockets, IPv4-mapped ones as IPv4 ({@code 0100007F:1F90}). */
  static List<String> listening() throws Exception {
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : Files.readAllLines(Path.of(table))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[3].equals("0A")) {
          String[] a = f[1].split(":");
          String host = a[0].length() == 32 && a[0].startsWith("0000000000000000FFFF0000")
              ? a[0].substring(24)
              : a[0];
          out.add(host + ":" + a[1]);
        }
      }
    }
    return out;
  }

  @Test
  void receiveWithTheDefaultTransportListensOnLoopbackOnlyAndAdvertisesIt() throws Exception {
    String team;
    String agent;
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.newTeam("net").create()) {
      team = t.id();
      agent = t.agents().register("worker", "worker", List.of(), "").id();
    }
    Process receiver =
        cli("inbox", "receive", "--team", team, "--agent", "worker", "--wait", "--timeout", "60");
    try {
      Path record =
          dir.resolve("teams").resolve(team).resolve("endpoints").resolve(agent + ".json");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.exists(record)
              && Files.readString(record).contains("zmq_endpoint")
              && Files.readString(record).contains("tcp://"));
      String endpoint = JsonMapper.builder()
          .build()
          .readTree(Files.readString(record))
          .get("zmq_endpoint")
          .asString();
      assertThat(endpoint).matches("tcp://127\\.0\\.0\\.1:\\d+");
      String port = String.format(Locale.ROOT, ":%04X", URI.create(endpoint).getPort());
      List<String> listening = listening();
      assertThat(listening)
          .contains("0100007F" + port)
          .noneMatch(a -> a.endsWith(port) && !a.equals("0100007F" + port));
      assertThat(dir.resolve("zmq.secret")).doesNotExist();
    } finally {
      Process sender = cli("inbox", "send", "worker", "done", "--team", team);
      sender.waitFor(60, TimeUnit.SECONDS);
      if (!receiver.waitFor(60, TimeUnit.SECONDS)) {
        receiver.destroyForcibly();
      }
    }
    String out = new String(receiver.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).contains("done");
  }
}
