package io.nemospawn.nvidia.nemo;

import java.util.List;
import java.util.Optional;

/** Finds the closest name by edit distance (Levenshtein), for "did you mean" hints. */
final class DidYouMean {
  private DidYouMean() {}

  /**
   * Returns the candidate closest to {@code name} when it is close enough: an edit distance
   * (insertions, deletions, substitutions and swaps of neighbours) of at most 1 for names of up to
   * 3 characters, 2 up to 6, else 3; or a difference in case only.
   * Ties go to the candidate listed first.
   */
  static Optional<String> closest(String name, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    int limit = name.length() <= 3 ? 1 : name.length() <= 6 ? 2 : 3;
    for (String c : candidates) {
      int d = c.equalsIgnoreCase(name) ? 0 : distance(name, c, limit + 1);
      if (d <= limit && d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Returns the optimal-string-alignment distance (Levenshtein plus swaps of neighbours), or
   * {@code cap} when it is at least {@code cap}.
   */
  static int distance(String a, String b, int cap) {
    if (Math.abs(a.length() - b.length()) >= cap) {
      return cap;
    }
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i][j - 1] + 1, d[i - 1][j] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return Math.min(d[a.length()][b.length()], cap);
  }
}
