package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nemospawn web}: the control plane and the console together, the key shown once. */
class WebCommandTest {
  @TempDir
  Path data;

  final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final class Running {
    final StringWriter out = new StringWriter();
    final AtomicInteger code = new AtomicInteger(-1);
    final Thread thread;

    Running() {
      String[] a = {"web", "--port", "0", "--control-port", "0", "--data-dir", data.toString()};
      var cl = Main.commandLine(a);
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(new StringWriter(), true));
      thread = new Thread(() -> code.set(cl.execute(a)), "cli-web");
      thread.start();
    }

    String awaitLine(String pattern) throws InterruptedException {
      Pattern p = Pattern.compile(pattern);
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < end) {
        Matcher m = p.matcher(out.toString());
        if (m.find()) {
          return m.group(1);
        }
        Thread.sleep(20);
      }
      throw new AssertionError("no line matching " + pattern + "; out: " + out);
    }

    int stop() throws InterruptedException {
      thread.interrupt();
      thread.join(20_000);
      assertThat(thread.isAlive()).isFalse();
      return code.get();
    }
  }

  HttpResponse<String> login(String url, String key) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url + "api/login"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void startsBothPrintsTheKeyOnceAndStopsBoth() throws Exception {
    Running web = new Running();
    String url = web.awaitLine("Web console at (http://127\\.0\\.0\\.1:\\d+/)");
    String key = web.awaitLine("Access key \\(shown once[^)]*\\): (\\S+)");
    String plane = web.awaitLine("Control plane at (tcp://\\S+)");
    assertThat(login(url, key).statusCode()).isEqualTo(200);
    assertThat(login(url, "not-the-key").statusCode()).isEqualTo(401);
    HttpResponse<String> snap = http.send(
        HttpRequest.newBuilder(URI.create(url + "api/web/snapshot")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(snap.body()).contains("\"mock\"");
    String store = Files.readString(data.resolve("access-keys.json"));
    assertThat(store).doesNotContain(key);
    assertThat(web.stop()).isZero();
    assertThat(web.out.toString()).contains("Stopped");
    URI cp = URI.create(plane);
    assertThat(canConnect(cp.getPort())).isFalse();

    Running again = new Running();
    String url2 = again.awaitLine("Web console at (http://127\\.0\\.0\\.1:\\d+/)");
    assertThat(again.out.toString()).doesNotContain("Access key");
    assertThat(login(url2, key).statusCode()).isEqualTo(200);
    String store2 = Files.readString(data.resolve("access-keys.json"));
    assertThat(store2.split("nemospawn web \\(event reader\\)", -1)).hasSize(2);
    assertThat(again.stop()).isZero();
  }

  /**
   * Whether something listens on the loopback port. With nothing there, Linux can still hand the
   * connecting socket that very port as its own (the freed port is in the ephemeral range) and
   * connect it to itself (a TCP simultaneous open): that is no listener.
   */
  static boolean canConnect(int port) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      return s.getLocalPort() != port;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
