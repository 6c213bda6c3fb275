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
   * The same order with one key: the values' bits, mapped so that unsigned order is
   * Double.compare's (-0.0 before 0.0, NaN last, every NaN equal), sorted with the indices by a
   * least-significant-digit radix sort, which is stable (equal values keep index order). The high
   * four bytes are radix-sorted (a byte every value shares is skipped: values of one range share
   * their high bytes); then each run of equal high halves is ordered by the low half, by
   * insertion for short runs (the usual case: ties in 32 bits are rare) and by four more radix
   * passes over a long one.
   */
  private static int[] sortByValue(double[] v) {
    int n = v.length;
    int[] order = new int[n];
    long[] key = new long[n];
    for (int i = 0; i < n; i++) {
      long bits = Double.doubleToLongBits(v[i]);
      key[i] = (bits ^ ((bits >> 63) & Long.MAX_VALUE)) ^ Long.MIN_VALUE;
      order[i] = i;
    }
    long[] key2 = new long[n];
    int[] order2 = new int[n];
    if (radix(key, order, key2, order2, 0, n, 4)) {
      System.arraycopy(key2, 0, key, 0, n);
      System.arraycopy(order2, 0, order, 0, n);
    }
    for (int from = 0; from < n; ) {
      long high = key[from] >>> 32;
      int to = from + 1;
      while (to < n && key[to] >>> 32 == high) {
        to++;
      }
      if (to - from > 32) {
        if (radix(key, order, key2, order2, from, to, 0)) {
          System.arraycopy(key2, from, key, from, to - from);
          System.arraycopy(order2, from, order, from, to - from);
        }
      } else {
        for (int i = from + 1; i < to; i++) {
          long k = key[i];
          int o = order[i];
          int j = i - 1;
          while (j >= from && Long.compareUnsigned(key[j], k) > 0) {
            key[j + 1] = key[j];
            order[j + 1] = order[j];
            j--;
          }
          key[j + 1] = k;
          order[j + 1] = o;
        }
      }
      from = to;
    }
    return order;
  }

  /**
   * Radix-sorts key[from..to) (with order) by the four bytes from byte {@code firstByte} up, one
   * stable pass per byte that is not shared by every key; returns whether the result is in key2
   * and order2 (an odd number of passes) rather than in key and order.
   */
  private static boolean radix(
      long[] key, int[] order, long[] key2, int[] order2, int from, int to, int firstByte) {
    if (to - from < 2) {
      return false;
    }
    int[] count = new int[4 * 256];
    for (int i = from; i < to; i++) {
      long k = key[i];
      for (int b = 0; b < 4; b++) {
        count[(b << 8) | (int) ((k >>> ((firstByte + b) << 3)) & 0xff)]++;
      }
    }
    boolean swapped = false;
    long[] src = key;
    int[] srcOrder = order;
    long[] dst = key2;
    int[] dstOrder = order2;
    for (int b = 0; b < 4; b++) {
      int base = b << 8;
      int shift = (firstByte + b) << 3;
      if (count[base | (int) ((src[from] >>> shift) & 0xff)] == to - from) {
        continue; // every key has this byte: the pass would not move anything
      }
      int sum = from;
      for (int d = 0; d < 256; d++) {
        int c = count[base | d];
        count[base | d] = sum;
        sum += c;
      }
      for (int i = from; i < to; i++) {
        long k = src[i];
        int at = count[base | (int) ((k >>> shift) & 0xff)]++;
        dst[at] = k;
        dstOrder[at] = srcOrder[i];
      }
      long[] t = src;
      src = dst;
      dst = t;
      int[] to2 = srcOrder;
      srcOrder = dstOrder;
      dstOrder = to2;
      swapped = !swapped;
    }
    return swapped;
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
