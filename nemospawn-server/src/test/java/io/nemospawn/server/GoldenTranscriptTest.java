package io.nemospawn.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden NDJSON transcripts: {@code src/test/resources/golden/NAME.ndjson} holds the lines sent,
 * {@code > } for a success case and {@code >! } for one that must be rejected (both checked), and
 * the golden replies ({@code NAME.golden}), compared after masking what differs
 * between runs (timestamps, generated ids, the temp directory, the server id). {@code
 * HELLO protocol} sends a hello with the real key; {@code TASK} is replaced by the first task id
 * the transcript created. Record new goldens with {@code -Dgolden.record=true}.
 */
class GoldenTranscriptTest {
  private static final Path DIR = Path.of("src/test/resources/golden");

  @TempDir
  Path data;

  NemoSpawn local;
  NemoSpawnV1Handler v1;
  ControlPlane server;
  String key;

  @BeforeEach
  void start() {
    key = ControlPlane.ensureKey(data).orElseThrow();
    local = NemoSpawn.open(data);
    v1 = new NemoSpawnV1Handler(local);
    server = ControlPlane.start(
        ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0), List.of(v1));
  }

  @AfterEach
  void stop() {
    server.close();
    v1.close();
    local.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"framing", "nemospawn-v1"})
  void transcriptMatchesItsGolden(String name) throws Exception {
    List<String> actual = new ArrayList<>();
    String task = null;
    Pattern taskId = Pattern.compile("\"(task-[0-9a-f]{8})\"");
    for (String in : Files.readAllLines(DIR.resolve(name + ".ndjson"), StandardCharsets.UTF_8)) {
      boolean rejection = in.startsWith(">! ");
      if (!in.startsWith("> ") && !rejection) {
        continue;
      }
      String sent = in.substring(rejection ? 3 : 2);
      String line = sent;
      if (line.startsWith("HELLO ")) {
        line = "{\"protocol\":\"" + line.substring(6) + "\",\"command\":\"hello\",\"request_id\":"
            + "\"h\",\"payload\":{\"key\":\"" + key + "\"}}";
      }
      if (task != null) {
        line = line.replace("\"TASK\"", "\"" + task + "\"");
      }
      actual.add((rejection ? ">! " : "> ") + mask(sent));
      List<String> replies = exchange(line);
      // the transcript says what each line is for: a success case must not be rejected (a
      // placeholder id that matched nothing once made "successes" record rejections), a
      // rejection case must be
      assertThat(replies).as("replies to %s", sent).isNotEmpty();
      boolean rejected =
          replies.stream().anyMatch(r -> r.contains("\"event\":\"command_rejected\""));
      assertThat(rejected)
          .as(
              "%s was meant to be %s; replies: %s",
              sent, rejection ? "rejected" : "a success", replies)
          .isEqualTo(rejection);
      for (String reply : replies) {
        if (task == null) {
          Matcher m = taskId.matcher(reply);
          if (m.find()) {
            task = m.group(1);
          }
        }
        actual.add("< " + mask(reply));
      }
    }
    Path golden = DIR.resolve(name + ".golden");
    if (Boolean.getBoolean("golden.record")) {
      Files.write(golden, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual)
        .containsExactlyElementsOf(Files.readAllLines(golden, StandardCharsets.UTF_8));
  }

  private Socket socket;
  private java.io.BufferedReader reader;

  /** Sends one line on the transcript's connection and reads what it answers within 300 ms. */
  private List<String> exchange(String line) throws Exception {
    if (socket == null || socket.isClosed()) {
      socket = new Socket("127.0.0.1", server.port());
      reader = new java.io.BufferedReader(
          new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }
    socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
    List<String> out = new ArrayList<>();
    socket.setSoTimeout(20_000); // every line of these transcripts gets at least one reply
    try {
      String l;
      while ((l = reader.readLine()) != null) {
        out.add(l);
        socket.setSoTimeout(300);
      }
      socket.close(); // the server closed it
    } catch (java.net.SocketTimeoutException e) {
      // nothing more for now
    }
    return out;
  }

  private String mask(String s) {
    return s.replace(data.toString(), "<data>")
        .replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "<time>")
        .replaceAll("task-[0-9a-f]{8}", "<task>")
        .replaceAll("(golden|worker|lead)-[0-9a-f]{8}", "$1-<id>")
        .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>")
        .replaceAll("\"key\":\"[^\"]+\"", "\"key\":\"<key>\"")
        .replaceAll("\\b[0-9a-f]{8,}\\b", "<hex>")
        .replaceAll("\"(id|msg_id|messageId|plan_id)\":\"[^\"]+\"", "\"$1\":\"<id>\"");
  }
}
