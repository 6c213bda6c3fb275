package io.nemospawn.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.spi.StateFormat;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StampsTest {
  @Test
  void agreesWithStateFormatOnManyInstants() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 10_000; i++) {
      Instant t = Instant.ofEpochSecond(
          random.nextLong(0, 253_402_300_799L), random.nextInt(1_000_000_000));
      String text = StateFormat.formatTimestamp(t);
      assertThat(Stamps.format(t)).isEqualTo(text);
      assertThat(Stamps.parse(text)).isEqualTo(StateFormat.parseTimestamp(text));
    }
  }

  @Test
  void otherShapesGoThroughStateFormat() {
    assertThat(Stamps.parse("2026-11-21T19:01:51Z"))
        .isEqualTo(Instant.parse("2026-11-21T19:01:51Z"));
    assertThat(Stamps.parse("2026-11-21T19:01:51.212059"))
        .isEqualTo(Instant.parse("2026-11-21T19:01:51.212059Z"));
    assertThat(Stamps.format(Instant.parse("0999-01-01T00:00:00Z")))
        .isEqualTo(StateFormat.formatTimestamp(Instant.parse("0999-01-01T00:00:00Z")));
  }
}
