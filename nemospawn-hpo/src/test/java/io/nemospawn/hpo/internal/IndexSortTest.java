package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IndexSortTest {
  @Test
  void sortsStablyByTwoKeysLikeASortedComparator() {
    SplittableRandom rng = new SplittableRandom(9);
    for (int n : new int[] {0, 1, 2, 3, 17, 1000}) {
      double[] p = new double[n];
      double[] s = new double[n];
      for (int i = 0; i < n; i++) {
        p[i] = rng.nextInt(5) == 0 ? Double.NEGATIVE_INFINITY : rng.nextInt(4);
        s[i] = rng.nextInt(3);
      }
      Integer[] expected = new Integer[n];
      for (int i = 0; i < n; i++) {
        expected[i] = i;
      }
      Arrays.sort(
          expected, Comparator.<Integer>comparingDouble(i -> p[i]).thenComparingDouble(i -> s[i]));
      assertThat(IndexSort.sort(p, s))
          .containsExactly(Arrays.stream(expected).mapToInt(i -> i).toArray());
    }
  }

  @Test
  void sortsStablyByOneKeyWithTiesSignedZerosInfinitiesAndNaN() {
    int thousands = 0;
    SplittableRandom rng = new SplittableRandom(11);
    double[] pool = {
      -0.0, 0.0, 1.5, -2.25, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 1e-300
    };
    for (int n : new int[] {0, 1, 2, 3, 17, 1000, 1000, 1000}) {
      double[] p = new double[n];
      // the later rounds: values that share their high 32 bits (differ below 2^-20 relative), in
      // short runs and in one long run, and values that differ only in the low bytes
      int round = n == 1000 ? ++thousands : 0;
      for (int i = 0; i < n; i++) {
        double x = rng.nextInt(3) == 0 ? pool[rng.nextInt(pool.length)] : rng.nextDouble();
        if (round == 2) {
          x = rng.nextInt(4) == 0 ? x : 0.25 + rng.nextInt(40) * 1e-9 + rng.nextInt(3) * 0.125;
        } else if (round == 3) {
          x = Double.longBitsToDouble(0x3ff0_0000_0000_0000L | rng.nextInt(1 << 12));
        }
        p[i] = x;
      }
      Integer[] expected = new Integer[n];
      for (int i = 0; i < n; i++) {
        expected[i] = i;
      }
      Arrays.sort(expected, (x, y) -> Double.compare(p[x], p[y]));
      assertThat(IndexSort.sort(p, null))
          .as("n=%d", n)
          .containsExactly(Arrays.stream(expected).mapToInt(i -> i).toArray());
    }
  }

  @Test
  void smallestAreTheFirstKOfTheStableSort() {
    SplittableRandom rng = new SplittableRandom(13);
    double[] pool = {-0.0, 0.0, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
    for (int n : new int[] {0, 1, 2, 3, 17, 40, 1000}) {
      for (int k : new int[] {0, 1, 2, 5, 25, n, n + 3}) {
        double[] p = new double[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
          p[i] = rng.nextInt(3) == 0 ? pool[rng.nextInt(pool.length)] : rng.nextInt(4);
          s[i] = rng.nextInt(3) == 0 ? pool[rng.nextInt(pool.length)] : rng.nextInt(5);
        }
        int[] order = IndexSort.sort(p, s);
        boolean[] expected = new boolean[n];
        for (int r = 0; r < Math.min(k, n); r++) {
          expected[order[r]] = true;
        }
        assertThat(IndexSort.smallest(p, s, k)).as("n=%d k=%d", n, k).containsExactly(expected);
      }
    }
  }
}
