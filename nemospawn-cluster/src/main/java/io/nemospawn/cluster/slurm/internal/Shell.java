package io.nemospawn.cluster.slurm.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Quotes text for sh, and splits a command line into words the way sh would, with no expansion. */
public final class Shell {
  private Shell() {}

  /** Returns {@code text} as one single-quoted sh word; nothing in it is expanded. */
  public static String quote(String text) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "Cannot put text containing a NUL character in a script: " + text.replace("\0", "\\0"));
    }
    return "'" + text.replace("'", "'\\''") + "'";
  }

  /** Returns the words quoted and joined with spaces. */
  public static String join(List<String> words) {
    return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
  }

  /**
   * Splits {@code line} into words: blanks (spaces, tabs, newlines) separate words, single quotes
   * keep text as is, double quotes keep text but honour {@code \"} and {@code \\}, a backslash
   * outside quotes keeps the next character. Nothing is expanded: {@code $(id)}, {@code ;} and
   * {@code |} stay literal text in the word that holds them.
   *
   * @throws IllegalArgumentException for an unterminated quote
   */
  public static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean in = false;
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (in) {
          out.add(w.toString());
          w.setLength(0);
          in = false;
        }
        i++;
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("Unterminated ' quote in the command: " + line);
        }
        w.append(line, i + 1, end);
        in = true;
        i = end + 1;
      } else if (c == '"') {
        i++;
        boolean closed = false;
        while (i < line.length()) {
          char d = line.charAt(i);
          if (d == '"') {
            closed = true;
            i++;
            break;
          }
          if (d == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
            w.append(line.charAt(i + 1));
            i += 2;
          } else {
            w.append(d);
            i++;
          }
        }
        if (!closed) {
          throw new IllegalArgumentException("Unterminated \" quote in the command: " + line);
        }
        in = true;
      } else if (c == '\\' && i + 1 < line.length()) {
        w.append(line.charAt(i + 1));
        in = true;
        i += 2;
      } else {
        w.append(c);
        in = true;
        i++;
      }
    }
    if (in) {
      out.add(w.toString());
    }
    return out;
  }
}
