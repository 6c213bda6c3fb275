package io.nemospawn.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.task.Task;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a server process while a client sends commands; every acknowledged one survives. */
class KillRestartTest {
  @TempDir
  Path data;

  private static Process serve(Path data) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            ServerMain.class.getName(),
            data.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static int port(Process p) throws Exception {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("PORT ")) {
        return Integer.parseInt(line.substring(5).strip());
      }
    }
    throw new AssertionError("the server process printed no port");
  }

  @Test
  void acknowledgedCommandsSurviveKillDashNine() throws Exception {
    String key = ControlPlane.ensureKey(data).orElseThrow();
    try (NemoSpawn local = NemoSpawn.open(data)) {
      local.newTeam("durable").create().close();
    }
    Process first = serve(data);
    List<String> acked = new ArrayList<>();
    try {
      URI url = URI.create("tcp://127.0.0.1:" + port(first));
      try (NemoSpawn remote = NemoSpawn.connect(url, key)) {
        Team team = remote.team("durable");
        Thread killer = new Thread(() -> {
          try {
            while (true) {
              synchronized (acked) {
                if (acked.size() >= 25) {
                  break;
                }
              }
              Thread.sleep(1);
            }
            first.destroyForcibly(); // SIGKILL
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        killer.start();
        try {
          for (int i = 0; i < 100000; i++) {
            Task t = team.tasks().create("task " + i);
            synchronized (acked) {
              acked.add(t.id());
            }
          }
        } catch (RuntimeException expected) {
          // the server died mid-command
        }
        killer.join();
      }
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(acked.size()).isGreaterThanOrEqualTo(25);
    } finally {
      first.destroyForcibly();
    }
    Process second = serve(data);
    try {
      URI url = URI.create("tcp://127.0.0.1:" + port(second));
      try (NemoSpawn remote = NemoSpawn.connect(url, key)) {
        Team team = remote.team("durable");
        for (String id : acked) {
          assertThat(team.tasks().get(id).id()).isEqualTo(id);
        }
      }
    } finally {
      second.destroyForcibly();
      second.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
