package io.nemospawn.core.internal.runtime;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Quotes text for POSIX {@code sh}: every word in single quotes, an embedded single quote written
 * as {@code '\''}. Inside single quotes sh expands nothing ({@code $}, backticks, backslashes,
 * newlines are literal), so a quoted word always reaches the program verbatim.
 */
public final class ShellQuote {
  private ShellQuote() {}

  /** Returns {@code text} quoted as one sh word. */
  public static String quote(String text) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "Cannot pass text containing a NUL character to a shell: " + text.replace("\0", "\\0"));
    }
    return "'" + text.replace("'", "'\\''") + "'";
  }

  /** Returns the words quoted and joined with spaces: a command line sh runs as given. */
  public static String join(List<String> words) {
    return words.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
  }
}
