package io.nemospawn.hpo.internal;

import org.jspecify.annotations.Nullable;

/** A stable merge sort of indices by primitive keys, without boxing (TPE sorts on every ask). */
final class IndexSort {
  private IndexSort() {}

  /** Returns 0..n-1 sorted stably by {@code primary}, then {@code secondary} (may be null). */
  static int[] sort(double[] primary, double @Nullable [] secondary) {
    if (secondary == null) {
      return sortByValue(primary);
    }
    int n = primary.length;
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    int[] tmp = new int[n];
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n - width; lo += 2 * width) {
        int mid = lo + width;
        int hi = Math.min(lo + 2 * width, n);
        if (!less(a[mid], a[mid - 1], primary, secondary)) {
          continue;
        }
        System.arraycopy(a, lo, tmp, lo, hi - lo);
        int i = lo;
        int j = mid;
        for (int k = lo; k < hi; k++) {
          if (i < mid && (j >= hi || !less(tmp[j], tmp[i], primary, secondary))) {
            a[k] = tmp[i++];
          } else {
            a[k] = tmp[j++];
          }
        }
      }
    }
    return a;
  }

  /**
   * The same order with one key, without comparing: a least-significant-digit radix sort of the
   * indices by the values' bits, mapped so that unsigned order is Double.compare's (-0.0 before
   * 0.0, NaN last, every NaN equal). Radix sorting is stable, so equal values keep index order.
   * Eight passes of one byte at most; a byte that every value shares is skipped (values of one
   * range share their high bytes).
   */
  private static int[] sortByValue(double[] v) {
    int n = v.length;
    int[] order = new int[n];
    long[] key = new long[n];
    int[] count = new int[8 * 256];
    for (int i = 0; i < n; i++) {
      long bits = Double.doubleToLongBits(v[i]);
      long k = (bits ^ ((bits >> 63) & Long.MAX_VALUE)) ^ Long.MIN_VALUE;
      key[i] = k;
      order[i] = i;
      for (int b = 0; b < 8; b++) {
        count[(b << 8) | (int) ((k >>> (b << 3)) & 0xff)]++;
      }
    }
    long[] key2 = new long[n];
    int[] order2 = new int[n];
    for (int b = 0; b < 8; b++) {
      int base = b << 8;
      int shift = b << 3;
      if (n == 0 || count[base | (int) ((key[0] >>> shift) & 0xff)] == n) {
        continue; // every value has this byte: the pass would not move anything
      }
      int sum = 0;
      for (int d = 0; d < 256; d++) {
        int c = count[base | d];
        count[base | d] = sum;
        sum += c;
      }
      for (int i = 0; i < n; i++) {
        long k = key[i];
        int at = count[base | (int) ((k >>> shift) & 0xff)]++;
        key2[at] = k;
        order2[at] = order[i];
      }
      long[] kt = key;
      key = key2;
      key2 = kt;
      int[] ot = order;
      order = order2;
      order2 = ot;
    }
    return order;
  }

  /**
   * Returns which of 0..n-1 are the first {@code k} of {@link #sort}{@code (primary, secondary)}
   * (the k smallest, ties by index), by one pass that keeps the k best in a sorted array: O(n k)
   * at worst, about O(n) when k is small, as TPE's split (k at most 25) is, against a full sort.
   */
  static boolean[] smallest(double[] primary, double[] secondary, int k) {
    int n = primary.length;
    boolean[] in = new boolean[n];
    k = Math.max(0, Math.min(k, n));
    if (k == 0) {
      return in;
    }
    int[] best = new int[k];
    int size = 0;
    for (int i = 0; i < n; i++) {
      if (size == k && !less(i, best[k - 1], primary, secondary)) {
        continue; // not strictly better than the k-th: a later index loses ties
      }
      int at = size == k ? k - 1 : size++;
      // insert after every kept element that i is not strictly less than (stable)
      while (at > 0 && less(i, best[at - 1], primary, secondary)) {
        best[at] = best[at - 1];
        at--;
      }
      best[at] = i;
    }
    for (int r = 0; r < size; r++) {
      in[best[r]] = true;
    }
    return in;
  }

  private static boolean less(int x, int y, double[] p, double @Nullable [] s) {
    double a = p[x];
    double b = p[y];
    if (a < b) {
      return true;
    }
    if (a > b) {
      return false;
    }
    int c = Double.compare(a, b); // equal, -0.0 against 0.0, or NaN: Double.compare's order
    if (c != 0 || s == null) {
      return c < 0;
    }
    return Double.compare(s[x], s[y]) < 0;
  }
}
