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
}
