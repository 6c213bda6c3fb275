package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class DisplayWriterTest {
  @Test
  void escapesWhatActsOnATerminalAndKeepsLinesAndText() {
    StringWriter raw = new StringWriter();
    PrintWriter w = Output.displayWriter(new PrintWriter(raw));
    w.println("a\u001b]52;c;eA==\u0007b\r\u202Ec");
    w.printf("%s%n", "tab\there 🚀 名前");
    w.print('\u009b');
    w.flush();
    assertThat(raw.toString())
        .isEqualTo("a\\u001b]52;c;eA==\\u0007b\\r\\u202ec\ntab\there 🚀 名前\n\\u009b");
  }

  @Test
  void judgesACharacterSplitAcrossWritesWhole() {
    StringWriter raw = new StringWriter();
    PrintWriter w = Output.displayWriter(new PrintWriter(raw));
    w.print('\uDB40'); // the high half of U+E0041, a tag character that hides text
    w.print('\uDC41');
    w.print('\uD83D'); // and of an emoji, which stays
    w.print('\uDE80');
    w.flush();
    assertThat(raw.toString()).isEqualTo("\\U000e0041🚀");
  }

  @Test
  void logLinesAndStackTracesOnStandardErrorAreEscapedButRawBytesPass() {
    var bytes = new java.io.ByteArrayOutputStream();
    var err = new LogStream(bytes, java.nio.charset.StandardCharsets.UTF_8);
    err.println("[WARN] Rebuilding: \u001b]52;c;eA==\u0007 \u202Ex");
    new IllegalStateException("bad \u001b[2J").printStackTrace(err);
    err.write('\u001b');
    err.flush();
    String s = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(s)
        .startsWith("[WARN] Rebuilding: \\u001b]52;c;eA==\\u0007 \\u202ex\n")
        .contains("java.lang.IllegalStateException: bad \\u001b[2J\n")
        .endsWith("\u001b");
    assertThat(s.substring(0, s.length() - 1)).doesNotContain("\u001b");
  }
}
