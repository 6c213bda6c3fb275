package io.nemospawn.hpo.internal;

/** A stable merge sort of indices by primitive keys, without boxing (TPE sorts on every ask). */
final class IndexSort {
  private IndexSort() {}

  /** Returns 0..n-1 sorted stably by {@code primary}, then {@code secondary} (may be null). */
  static int[] sort(double[] primary, double[] secondary) {
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

  private static boolean less(int x, int y, double[] p, double[] s) {
    int c = Double.compare(p[x], p[y]);
    if (c != 0 || s == null) {
      return c < 0;
    }
    return Double.compare(s[x], s[y]) < 0;
  }
}
