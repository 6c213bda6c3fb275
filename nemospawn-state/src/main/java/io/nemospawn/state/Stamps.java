package io.nemospawn.state;

import io.nemospawn.spi.StateFormat;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Fast paths for the one timestamp shape we write, {@code 2026-11-21T19:01:51.212059+00:00};
 * every other shape goes through {@link StateFormat}, which defines the format. Every envelope is
 * formatted once and parsed once, so this keeps {@code DateTimeFormatter} off the hot path.
 */
final class Stamps {
  private Stamps() {}

  /** Same result as {@link StateFormat#formatTimestamp}. */
  static String format(Instant instant) {
    Instant t = instant.truncatedTo(ChronoUnit.MICROS);
    LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), ZoneOffset.UTC);
    int year = d.getYear();
    if (year < 1000 || year > 9999) {
      return StateFormat.formatTimestamp(instant);
    }
    char[] c = new char[32];
    put(c, 0, year, 4);
    c[4] = '-';
    put(c, 5, d.getMonthValue(), 2);
    c[7] = '-';
    put(c, 8, d.getDayOfMonth(), 2);
    c[10] = 'T';
    put(c, 11, d.getHour(), 2);
    c[13] = ':';
    put(c, 14, d.getMinute(), 2);
    c[16] = ':';
    put(c, 17, d.getSecond(), 2);
    c[19] = '.';
    put(c, 20, d.getNano() / 1000, 6);
    "+00:00".getChars(0, 6, c, 26);
    return new String(c);
  }

  private static void put(char[] c, int at, int value, int width) {
    for (int k = at + width - 1; k >= at; k--) {
      c[k] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** Same result as {@link StateFormat#parseTimestamp}. */
  static Instant parse(String s) {
    if (s.length() == 32
        && s.charAt(4) == '-'
        && s.charAt(7) == '-'
        && s.charAt(10) == 'T'
        && s.charAt(13) == ':'
        && s.charAt(16) == ':'
        && s.charAt(19) == '.'
        && s.endsWith("+00:00")) {
      int year = digits(s, 0, 4);
      int month = digits(s, 5, 2);
      int day = digits(s, 8, 2);
      int hour = digits(s, 11, 2);
      int minute = digits(s, 14, 2);
      int second = digits(s, 17, 2);
      int micros = digits(s, 20, 6);
      if (year >= 0
          && month >= 1
          && month <= 12
          && day >= 1
          && day <= 31
          && hour >= 0
          && hour < 24
          && minute >= 0
          && minute < 60
          && second >= 0
          && second < 60
          && micros >= 0) {
        try {
          return LocalDateTime.of(year, month, day, hour, minute, second, micros * 1000)
              .toInstant(ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
          // fall through to the full parser, which names the problem
        }
      }
    }
    return StateFormat.parseTimestamp(s);
  }

  private static int digits(String s, int at, int width) {
    int v = 0;
    for (int k = at; k < at + width; k++) {
      char ch = s.charAt(k);
      if (ch < '0' || ch > '9') {
        return -1;
      }
      v = v * 10 + (ch - '0');
    }
    return v;
  }
}
