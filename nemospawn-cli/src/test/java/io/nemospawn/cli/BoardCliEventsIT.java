package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.board.BoardOptions;
import io.nemospawn.board.BoardServer;
import io.nemospawn.task.Task;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: "a task completed through the CLI moves to done within a second without reload". The
 * browser half (an SSE {@code task} event re-renders the card) is {@code BoardBrowserIT}'s; this
 * is the other half: {@code nemospawn task update TEAM_ID TASK_ID --status done} run as its own
 * process (bin/nemospawn), and the board in this JVM pushing the change to a live SSE client
 * through the library's event stream (file-system notification of another process's write). The
 * time from the CLI's exit is printed; the assertion's bound only catches a lost event, since a
 * loaded CI runner can take far longer than a second.
 */
class BoardCliEventsIT {
  @TempDir
  Path data;

  @Test
  void aTaskCompletedByTheCliReachesTheBoardsStream() throws Exception {
    try (NemoSpawn ns = NemoSpawn.open(data);
        Team team = ns.newTeam("live").create()) {
      Task task = team.tasks().create("train");
      try (BoardServer board =
              BoardServer.start(team, BoardOptions.builder().port(0).build());
          Socket s = new Socket("127.0.0.1", board.address().getPort())) {
        s.setSoTimeout(30_000);
        s.getOutputStream()
            .write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + board.address().getPort()
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
        String line;
        while (!(line = in.readLine()).contains(": connected")) {
          assertThat(line).isNotNull();
        }
        CompletableFuture<Long> arrived = CompletableFuture.supplyAsync(() -> {
          try {
            String l;
            while ((l = in.readLine()) != null) {
              if (l.startsWith("data: ")
                  && l.contains("\"id\":\"" + task.id() + "\"")
                  && l.contains("\"state\":\"done\"")) {
                return System.nanoTime();
              }
            }
            throw new AssertionError("the stream ended before the task's done event");
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });

        CliProcesses.Result r = CliProcesses.run(
            Map.of(),
            "task",
            "update",
            team.id(),
            task.id(),
            "--status",
            "done",
            "--data-dir",
            data.toString());
        long exited = System.nanoTime();
        assertThat(r.code()).as(r.toString()).isZero();

        // the bound only catches a lost event (well under a second on an idle machine, far more on
        // a loaded CI runner); the time it took is printed
        long at = arrived.get(30, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(at - exited);
        System.out.println("the board's event came " + ms + " ms after the CLI's exit");
        assertThat(ms).as("ms from the CLI's exit to the board's event").isLessThan(20_000);
        assertThat(board.snapshot().toString()).contains("state=done");
      }
    }
  }
}
