package io.nemospawn.core.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellQuoteTest {
  @TempDir
  Path dir;

  @Test
  void quotedWordsReachShVerbatimAndRunNothing() {
    Path pwned = dir.resolve("pwned");
    List<String> hostile = List.of(
        "it's",
        "'",
        "''",
        "\"$(touch " + pwned + ")\"",
        "`touch " + pwned + "`",
        "a; touch " + pwned,
        "x\ny",
        "$HOME ${PATH}",
        "\\",
        "ünï 🚀",
        "",
        "-n",
        "--");
    String line = "printf '<%s>\\n' " + ShellQuote.join(hostile);
    Exec.Result r = Exec.run(List.of("/bin/sh", "-c", line), dir, Map.of(), Duration.ofSeconds(20));
    assertThat(r.ok()).isTrue();
    StringBuilder want = new StringBuilder();
    hostile.forEach(h -> want.append('<').append(h).append(">\n"));
    assertThat(r.out()).isEqualTo(want.toString());
    assertThat(pwned).doesNotExist();
  }

  @Test
  void refusesNul() {
    assertThatThrownBy(() -> ShellQuote.quote("a\0b"))
        .hasMessage("Cannot pass text containing a NUL character to a shell: a\\0b");
  }
}
