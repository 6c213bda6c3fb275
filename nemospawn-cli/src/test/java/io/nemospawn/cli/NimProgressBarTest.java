package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.nvidia.nim.LoadGenerator;
import io.nemospawn.nvidia.nim.LoadReport;
import io.nemospawn.nvidia.nim.LocalModelServer;
import io.nemospawn.nvidia.nim.WordModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code nim benchmark}'s progress bar, driven by the real load generator on loopback. */
class NimProgressBarTest {
  @Test
  void drawsEachLevelUpToItsTotalThenEndsTheLine() throws Exception {
    StringWriter err = new StringWriter();
    try (LocalModelServer s = LocalModelServer.start(
        WordModel.train(WordModel.builtInCorpus()), LocalModelServer.Options.defaults())) {
      LoadReport r = new LoadGenerator(
              LoadGenerator.Options.of(s.baseUri().toString(), "nemospawn-demo")
                  .withConcurrency(List.of(1, 4))
                  .withRequests(40)
                  .withTokens(4, 2))
          .run(new NimProgressBar(new PrintWriter(err, true), true));
      assertThat(r.anySucceeded()).isTrue();
    }
    String text = err.toString();
    // one line per level, each ending with the full bar
    String full = "[" + "#".repeat(NimProgressBar.WIDTH) + "] 40/40\n";
    assertThat(text.split("\n", -1)).hasSize(3).satisfies(lines -> {
      assertThat(lines[0]).startsWith("\rconcurrency 1 [").endsWith("] 40/40");
      assertThat(lines[1]).startsWith("\rconcurrency 4 [").endsWith("] 40/40");
      assertThat(lines[2]).isEmpty();
    });
    assertThat(text).contains("\rconcurrency 1 " + full, "\rconcurrency 4 " + full);
    // every second request of 40 redraws it (at most 20 per level), never going back
    String[] draws = text.split("\r");
    assertThat(draws.length).isBetween(1 + 2 * 2, 1 + 2 * 20);
    int last = 0;
    for (int i = 1; i < draws.length; i++) {
      int done = Integer.parseInt(draws[i].replaceAll("(?s).*\\] (\\d+)/40.*", "$1"));
      assertThat(done).isGreaterThan(draws[i].startsWith("concurrency 4") && last == 40 ? 0 : last);
      last = done;
    }
    assertThat(text).contains("\rconcurrency 1 [" + "#".repeat(15) + " ".repeat(15) + "] 20/40");
    // out of order and repeated reports are skipped
    StringWriter again = new StringWriter();
    NimProgressBar bar = new NimProgressBar(new PrintWriter(again, true), true);
    bar.update(2, 4, 4);
    bar.update(2, 2, 4);
    bar.update(2, 4, 4);
    assertThat(again.toString()).isEqualTo("\rconcurrency 2 [" + "#".repeat(30) + "] 4/4\n");
  }

  @Test
  void drawsNothingOffATerminal() {
    StringWriter err = new StringWriter();
    NimProgressBar bar = new NimProgressBar(new PrintWriter(err, true), false);
    for (int i = 1; i <= 10; i++) {
      bar.update(4, i, 10);
    }
    assertThat(err.toString()).isEmpty();
    assertThat(NimProgressBar.line(16, 5, 10))
        .isEqualTo("\rconcurrency 16 [" + "#".repeat(15) + " ".repeat(15) + "] 5/10");
  }
}
