package io.nemospawn.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StateFormatTest {
  @Test
  void timestampsArePythonIsoformatWithMicrosecondsAndPlusZeroOffset() {
    Instant t = Instant.parse("2026-11-21T19:01:51.212059123Z");
    assertThat(StateFormat.formatTimestamp(t)).isEqualTo("2026-11-21T19:01:51.212059+00:00");
    assertThat(StateFormat.formatTimestamp(Instant.parse("2026-11-21T19:01:51Z")))
        .isEqualTo("2026-11-21T19:01:51.000000+00:00");
  }

  @Test
  void parsesWhatEitherToolWrites() {
    Instant t = Instant.parse("2026-11-21T19:01:51.212059Z");
    assertThat(StateFormat.parseTimestamp("2026-11-21T19:01:51.212059+00:00")).isEqualTo(t);
    assertThat(StateFormat.parseTimestamp("2026-11-21T19:01:51.212059")).isEqualTo(t);
    assertThat(StateFormat.parseTimestamp("2026-11-21T19:01:51.212059Z")).isEqualTo(t);
    assertThat(StateFormat.parseTimestamp("2026-11-21T20:01:51.212059+01:00")).isEqualTo(t);
    assertThat(StateFormat.parseTimestamp("2026-11-21T19:01:51+00:00"))
        .isEqualTo(Instant.parse("2026-11-21T19:01:51Z"));
  }

  @Test
  void refusesTextThatIsNoTimestamp() {
    assertThatThrownBy(() -> StateFormat.parseTimestamp("yesterday"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Not a timestamp: 'yesterday'; expected ISO-8601 such as 2026-11-21T19:01:51.212059+00:00");
  }

  @Test
  void messageFileNamesSortInTimeOrderAndHaveNoColons() {
    String a = StateFormat.messageFileName(Instant.parse("2026-11-21T09:59:59.9Z"), "0000000f");
    String b = StateFormat.messageFileName(Instant.parse("2026-11-21T10:00:00Z"), "00000001");
    assertThat(a).isEqualTo("2026-11-21T09-59-59.900000+00-00_0000000f.json");
    assertThat(a).isLessThan(b);
  }

  @Test
  void newIdsHavePrefixAndEightHexDigits() {
    assertThat(StateFormat.newId("task")).matches("task-[0-9a-f]{8}");
    assertThat(StateFormat.newMessageId()).matches("[0-9a-f]{8}");
  }

  @ParameterizedTest
  @ValueSource(strings = {"trainer-0", "a", "sweep.v2", "X_1", "0abc"})
  void acceptsPlainIds(String id) {
    assertThat(StateFormat.requireId("agent id", id)).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "..",
        "../x",
        "a/b",
        "a\\b",
        ".hidden",
        "-rf",
        "a\nb",
        "a\u0000b",
        "$(id)",
        "a b",
        "`id`",
        "a;b",
        "'q'",
        "\"q\"",
        "é",
        "日本",
        "a..b"
      })
  void refusesIdsThatCouldEscapeOrConfuse(String id) {
    assertThatThrownBy(() -> StateFormat.requireId("agent id", id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid agent id '");
  }

  @Test
  void explainsWhichCharacterIsWrong() {
    assertThatThrownBy(() -> StateFormat.requireId("team name", "../x"))
        .hasMessage(
            "Invalid team name '../x': it contains '..'; use 1-128 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit");
    assertThatThrownBy(() -> StateFormat.requireId("team name", "a/b"))
        .hasMessageContaining("character '/' (a path separator) at position 1 is not allowed");
    assertThatThrownBy(() -> StateFormat.requireId("team name", "x".repeat(129)))
        .hasMessageContaining("it is 129 characters long");
  }

  @Test
  void displayableEscapesControlsBidiAndFormatCharactersAndKeepsText() {
    String hostile = "a\u001b[2Jb\rc\u0007d\u009be\u202Ef\u2066g\u200Eh\u061Ci\u200Bj\uFEFFk\u2028l"
        + "\0m\u007Fn\uDB40\uDC41o\uD800p";
    assertThat(StateFormat.displayable(hostile, false))
        .isEqualTo("a\\u001b[2Jb\\rc\\u0007d\\u009be\\u202ef\\u2066g\\u200eh\\u061ci\\u200bj"
            + "\\ufeffk\\u2028l\\u0000m\\u007fn\\U000e0041o\\ud800p");
    assertThat(StateFormat.displayable("line\n\tnext", true)).isEqualTo("line\n\tnext");
    assertThat(StateFormat.displayable("line\n\tnext", false)).isEqualTo("line\\n\\tnext");
    String text = "ünïcödé 名前 emoji 🚀 عربي עברית";
    assertThat(StateFormat.displayable(text, false)).isSameAs(text);
    assertThat(StateFormat.printable("\u202E" + "x".repeat(100)))
        .isEqualTo("\\u202e" + "x".repeat(74) + "…");
  }

  @Test
  void anIdWithABidiOverrideIsRefusedWithTheCharacterNamed() {
    assertThatThrownBy(() -> StateFormat.requireId("team name", "a\u202Eb"))
        .hasMessage("Invalid team name 'a\\u202eb': character U+202E (a control, format or space"
            + " character) at position 1 is not allowed; use 1-128 ASCII letters, digits, '.', '_'"
            + " or '-', starting with a letter or digit");
  }
}
