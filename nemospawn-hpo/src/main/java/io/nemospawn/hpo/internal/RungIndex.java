package io.nemospawn.hpo.internal;

import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.PruneContext;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The rung values of one study as numbers, kept sorted per rung, for {@link
 * SuccessiveHalvingPruner}: a prune check asks the index instead of parsing {@code
 * completed_rung_<r>} from every trial and sorting them.
 *
 * <p>The storage stays the truth: each check asks it for the trials changed since the last check
 * ({@link StudyStorage#changesSince}: the in-memory and journal storages keep a change log, which
 * includes what other processes wrote) and re-reads only those, so a check costs the changed
 * trials, whatever the study's size. A storage without a log hands in every trial; then the index
 * re-reads the trials whose snapshot object changed (storages keep the frozen object of an
 * unchanged trial): one identity comparison per trial. Either way the decision is the same as from
 * a full scan. A storage that returns new objects every time makes the index rebuild itself from
 * all trials (one sort per rung), which is what a scan costs anyway.
 *
 * <p>Not thread-safe; the pruner synchronises on it.
 */
final class RungIndex {
  /** The trial objects indexed, by number. */
  private FrozenTrial[] seen = new FrozenTrial[0];

  /** The rung values each trial contributed, by number (NaN where it has none). */
  private double[][] contributed = new double[0][];

  /** The stored text each of those values was parsed from: text that did not change is not parsed. */
  private @Nullable String[][] contributedJson = new String[0][];

  /** Per rung, its values sorted by {@link Double#compare}. */
  private final List<double[]> sorted = new ArrayList<>();

  private final List<Integer> sizes = new ArrayList<>();

  /** How many distinct trials are indexed. */
  private int indexed;

  /** The first trial that completed with reports (by completion time, then number). */
  private @Nullable FrozenTrial firstCompleted;

  /** The storage's answer the index is up to date with; null before the first update. */
  private StudyStorage.@Nullable Changes synced;

  /**
   * Brings the index up to the study's trials: only those changed since the last update when the
   * storage keeps a change log ({@link StudyStorage#changesSince}), else all of them.
   */
  void update(PruneContext ctx) {
    StudyStorage.Changes c = ctx.changesSince(synced);
    if (c.full()) {
      update(c.trials());
    } else {
      for (FrozenTrial t : c.trials()) {
        reserve(t.number());
        if (seen[t.number()] != t) {
          reindex(t);
        }
      }
    }
    synced = c;
  }

  /** Brings the index up to {@code trials} (the trials the pruner sees, any order). */
  void update(List<FrozenTrial> trials) {
    synced = null;
    int n = trials.size();
    int maxNumber = -1;
    int changed = 0;
    for (int i = 0; i < n; i++) {
      FrozenTrial t = trials.get(i);
      int number = t.number();
      maxNumber = Math.max(maxNumber, number);
      if (number >= seen.length || seen[number] != t) {
        changed++;
      }
    }
    reserve(maxNumber);
    if (changed == 0 && n == indexed) {
      return;
    }
    if (changed > 64 || n < indexed) {
      rebuild(trials);
      return;
    }
    for (int i = 0; i < n; i++) {
      FrozenTrial t = trials.get(i);
      if (seen[t.number()] != t) {
        reindex(t);
      }
    }
    if (n != indexed) {
      rebuild(trials); // a number listed twice: not a study's trials; be exact anyway
    }
  }

  /** Grows the per-trial arrays to hold trial number {@code number}. */
  private void reserve(int number) {
    if (number >= seen.length) {
      int cap = Math.max(number + 1, seen.length * 2);
      seen = Arrays.copyOf(seen, cap);
      contributed = Arrays.copyOf(contributed, cap);
      contributedJson = Arrays.copyOf(contributedJson, cap);
    }
  }

  /** Replaces what trial t contributed by its current rung values. */
  private void reindex(FrozenTrial t) {
    int number = t.number();
    double[] old = contributed[number];
    if (old == null) {
      indexed++;
    }
    Rungs rungs = rungValues(t, old, contributedJson[number]);
    double[] values = rungs.values();
    // a running trial changes on every report, its rung values seldom: move only those that did
    for (int r = 0; r < Math.max(values.length, old == null ? 0 : old.length); r++) {
      boolean had = old != null && r < old.length && present(old, r);
      boolean has = r < values.length && present(values, r);
      if (had
          && has
          && Double.doubleToRawLongBits(old[r]) == Double.doubleToRawLongBits(values[r])) {
        continue;
      }
      if (had) {
        remove(r, old[r]);
      }
      if (has) {
        insert(r, values[r]);
      }
    }
    contributed[number] = values;
    contributedJson[number] = rungs.json();
    seen[number] = t;
    noteCompleted(t);
  }

  private void rebuild(List<FrozenTrial> trials) {
    sorted.clear();
    sizes.clear();
    firstCompleted = null;
    Arrays.fill(seen, null);
    Arrays.fill(contributed, null);
    Arrays.fill(contributedJson, null);
    indexed = 0;
    List<double[]> perRung = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    for (int i = 0; i < trials.size(); i++) {
      FrozenTrial t = trials.get(i);
      Rungs rungs = rungValues(t, null, null);
      double[] values = rungs.values();
      for (int r = 0; r < values.length; r++) {
        if (!present(values, r)) {
          continue;
        }
        while (perRung.size() <= r) {
          perRung.add(new double[16]);
          counts.add(0);
        }
        double[] a = perRung.get(r);
        int c = counts.get(r);
        if (c == a.length) {
          a = Arrays.copyOf(a, c * 2);
          perRung.set(r, a);
        }
        a[c] = values[r];
        counts.set(r, c + 1);
      }
      if (contributed[t.number()] == null) {
        indexed++;
      }
      contributed[t.number()] = values;
      contributedJson[t.number()] = rungs.json();
      seen[t.number()] = t;
      noteCompleted(t);
    }
    for (int r = 0; r < perRung.size(); r++) {
      double[] a = perRung.get(r);
      Arrays.sort(a, 0, counts.get(r));
      sorted.add(a);
      sizes.add(counts.get(r));
    }
  }

  /** A trial's rung values by rung, and the stored text each was parsed from (null: none). */
  private record Rungs(double[] values, @Nullable String[] json) {}

  /**
   * A trial's rung values by rung; a rung it has no value at is marked by a NaN whose bits are
   * {@link #ABSENT}, so that a stored NaN (a foreign writer's) still counts as a value. Text equal
   * to {@code oldJson}'s is not parsed again: its value is taken from {@code old}.
   */
  private static Rungs rungValues(
      FrozenTrial t, double @Nullable [] old, @Nullable String @Nullable [] oldJson) {
    // Keys may have gaps (a foreign writer); read every rung key the trial has.
    int max = 0;
    for (String k : t.systemAttrs().keySet()) {
      if (k.startsWith("completed_rung_")) {
        try {
          max = Math.max(max, Integer.parseInt(k.substring("completed_rung_".length())) + 1);
        } catch (NumberFormatException e) {
          // not a rung of ours
        }
      }
    }
    double[] v = new double[max];
    @Nullable String[] texts = new String[max];
    for (int r = 0; r < max; r++) {
      String json = t.systemAttrs().get(rungKey(r));
      texts[r] = json;
      if (json == null) {
        v[r] = ABSENT;
      } else if (old != null && oldJson != null && r < oldJson.length && json.equals(oldJson[r])) {
        v[r] = old[r];
      } else {
        v[r] = Double.parseDouble(json);
      }
    }
    return new Rungs(v, texts);
  }

  private static final String[] RUNG_KEYS = new String[64];

  static {
    for (int r = 0; r < RUNG_KEYS.length; r++) {
      RUNG_KEYS[r] = SuccessiveHalvingPruner.rungKey(r);
    }
  }

  private static String rungKey(int r) {
    return r < RUNG_KEYS.length ? RUNG_KEYS[r] : SuccessiveHalvingPruner.rungKey(r);
  }

  private static final double ABSENT = Double.longBitsToDouble(0x7ff8_dead_0000_0001L);

  private static boolean present(double[] v, int r) {
    return Double.doubleToRawLongBits(v[r]) != Double.doubleToRawLongBits(ABSENT);
  }

  private void noteCompleted(FrozenTrial t) {
    if (t.state() != TrialState.COMPLETE || t.intermediateValues().isEmpty()) {
      return;
    }
    FrozenTrial f = firstCompleted;
    if (f == null) {
      firstCompleted = t;
      return;
    }
    if (f.number() == t.number()) {
      firstCompleted = t;
      return;
    }
    if (t.complete().isPresent() && f.complete().isPresent()) {
      int c = t.complete().get().compareTo(f.complete().get());
      if (c < 0 || (c == 0 && t.number() < f.number())) {
        firstCompleted = t;
      }
    } else if (t.number() < f.number()) {
      firstCompleted = t;
    }
  }

  /** Returns the first trial that completed with reports, or null. */
  @Nullable
  FrozenTrial firstCompleted() {
    return firstCompleted;
  }

  /** Returns how many trials have a value at {@code rung}. */
  int size(int rung) {
    return rung < sizes.size() ? sizes.get(rung) : 0;
  }

  /**
   * Returns whether {@code value} is within the best {@code 1/eta} of the values at {@code rung}
   * together with itself: exactly what sorting them all (stably, the new value last) and comparing
   * with the element at {@code max(count / eta - 1, 0)} decides.
   */
  boolean isPromotable(int rung, double value, int eta, boolean minimize, int exclude) {
    double[] own = exclude < contributed.length ? contributed[exclude] : null;
    if (own != null && rung < own.length && present(own, rung)) {
      remove(rung, own[rung]);
      try {
        return isPromotable(rung, value, eta, minimize);
      } finally {
        insert(rung, own[rung]);
      }
    }
    return isPromotable(rung, value, eta, minimize);
  }

  /** Returns how many trials other than {@code exclude} have a value at {@code rung}. */
  int competitors(int rung, int exclude) {
    double[] own = exclude < contributed.length ? contributed[exclude] : null;
    boolean self = own != null && rung < own.length && present(own, rung);
    return size(rung) - (self ? 1 : 0);
  }

  private boolean isPromotable(int rung, double value, int eta, boolean minimize) {
    int m = size(rung);
    double[] a = m == 0 ? new double[0] : sorted.get(rung);
    int i = Math.max((m + 1) / eta - 1, 0);
    if (minimize) {
      int u = upperBound(a, m, value);
      double at = i < u ? a[i] : (i == u ? value : a[i - 1]);
      return value <= at;
    }
    int p = m - lowerBound(a, m, value);
    double at = i < p ? a[m - 1 - i] : (i == p ? value : a[m - i]);
    return value >= at;
  }

  private void insert(int rung, double v) {
    while (sorted.size() <= rung) {
      sorted.add(new double[16]);
      sizes.add(0);
    }
    double[] a = sorted.get(rung);
    int m = sizes.get(rung);
    if (m == a.length) {
      a = Arrays.copyOf(a, m * 2);
      sorted.set(rung, a);
    }
    int at = upperBound(a, m, v);
    System.arraycopy(a, at, a, at + 1, m - at);
    a[at] = v;
    sizes.set(rung, m + 1);
  }

  private void remove(int rung, double v) {
    double[] a = sorted.get(rung);
    int m = sizes.get(rung);
    int at = lowerBound(a, m, v);
    if (at < m && Double.compare(a[at], v) == 0) {
      System.arraycopy(a, at + 1, a, at, m - at - 1);
      sizes.set(rung, m - 1);
    }
  }

  /** The first index whose element compares greater than {@code v}. */
  private static int upperBound(double[] a, int m, double v) {
    int lo = 0;
    int hi = m;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Double.compare(a[mid], v) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The first index whose element compares greater than or equal to {@code v}. */
  private static int lowerBound(double[] a, int m, double v) {
    int lo = 0;
    int hi = m;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Double.compare(a[mid], v) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
