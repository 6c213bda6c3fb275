package io.nemospawn.topology;

import io.nemospawn.GpuUnavailableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The placement algorithm behind {@link GpuTopology#place}. Small pools are searched exhaustively
 * (at most {@value #EXHAUSTIVE_LIMIT} subsets); larger ones greedily from every seed GPU, which
 * is exact on fully connected islands and good on the rest. Not thread-safe; one per call.
 */
final class Placer {
  static final int EXHAUSTIVE_LIMIT = 5_000;

  private final GpuTopology topo;
  private final int k;
  private final Set<Integer> held;
  private final boolean share;
  // Link data by GPU index, read once: the search looks pairs up millions of times.
  private final int[][] nvLinks;
  private final int[][] distance;
  private final int[] numa;
  private final boolean[] isHeld;

  Placer(GpuTopology topo, int k, Set<Integer> held, boolean share) {
    this.topo = topo;
    this.k = k;
    this.held = new TreeSet<>(Objects.requireNonNull(held, "held"));
    this.share = share;
    if (k < 1) {
      throw new IllegalArgumentException("Cannot place " + k + " GPUs: ask for at least 1");
    }
    List<Integer> all = topo.indices();
    int size = all.isEmpty() ? 0 : all.get(all.size() - 1) + 1;
    nvLinks = new int[size][size];
    distance = new int[size][size];
    numa = new int[size];
    isHeld = new boolean[size];
    List<Gpu> gpus = topo.gpus();
    Link[][] matrix = topo.matrix();
    for (int p = 0; p < gpus.size(); p++) {
      int a = gpus.get(p).index();
      numa[a] = gpus.get(p).numaNode();
      isHeld[a] = this.held.contains(a);
      for (int q = 0; q < gpus.size(); q++) {
        int b = gpus.get(q).index();
        nvLinks[a][b] = matrix[p][q].nvLinks();
        distance[a][b] = matrix[p][q].kind().distance();
      }
    }
  }

  Placement place() {
    List<Integer> all = topo.indices();
    List<Integer> free = new ArrayList<>();
    for (int g : all) {
      if (!held.contains(g)) {
        free.add(g);
      }
    }
    if (k > all.size()) {
      throw new GpuUnavailableException(
          List.of(),
          free,
          "Cannot place " + gpus(k) + ": "
              + (all.isEmpty()
                  ? "there are no GPUs (topology source " + topo.source() + ")"
                  : "the machine has only " + all.size() + " " + all)
              + ". Ask for at most " + all.size() + " GPUs.");
    }
    if (!share && k > free.size()) {
      List<Integer> heldHere = new ArrayList<>(all);
      heldHere.removeAll(free);
      throw new GpuUnavailableException(
          List.of(),
          free,
          "Cannot place " + gpus(k) + ": only "
              + free.size() + " of " + all.size() + " are free " + free + "; GPUs " + heldHere
              + " are held by running agents. Stop an agent, ask for fewer GPUs, or allow sharing.");
    }
    // Sharing is a last resort: while free GPUs suffice, place as if it had not been allowed.
    List<Integer> pool = share && free.size() < k ? all : free;

    // Groups: each NVLink island, and every GPU without NVLink on its own.
    List<List<Integer>> groups = new ArrayList<>(topo.islands());
    for (int g : all) {
      if (topo.islandOf(g).size() == 1) {
        groups.add(List.of(g));
      }
    }
    @Nullable Score best = null;
    for (List<Integer> group : groups) {
      List<Integer> candidates = new ArrayList<>(group);
      candidates.retainAll(pool);
      if (candidates.size() < k) {
        continue;
      }
      int groupFree = countFree(candidates);
      Score s = bestSubset(candidates, groupFree);
      if (best == null || s.compareTo(best) < 0) {
        best = s;
      }
    }
    if (best != null && pool != free) {
      // When sharing, sharing fewer GPUs matters more than staying in one island.
      Score anywhere = bestSubset(pool, Integer.MAX_VALUE);
      if (anywhere.held < best.held) {
        best = null;
      }
    }
    List<String> warnings = new ArrayList<>();
    boolean sameIsland = best != null;
    if (best == null) {
      best = bestSubset(pool, Integer.MAX_VALUE);
      warnings.add(spreadWarning(pool, best));
    } else if (k > 1 && !topo.hasNvLink()) {
      warnings.add("GPUs " + best.gpus + " have no NVLink (the machine has none); they talk over "
          + worstLink(best.gpus) + ".");
    }
    List<Integer> shared = new ArrayList<>();
    for (int g : best.gpus) {
      if (held.contains(g)) {
        shared.add(g);
      }
    }
    if (!shared.isEmpty()) {
      warnings.add("GPUs " + shared + " are shared with running agents (sharing was asked for): "
          + (free.size() < k
              ? "only " + free.size() + " GPUs are free " + free
              : "no free set fits")
          + ".");
    }
    boolean fully = k == 1 || topo.isFullyConnected(best.gpus);
    return new Placement(best.gpus, sameIsland, fully, shared, warnings);
  }

  private String spreadWarning(List<Integer> pool, Score s) {
    StringBuilder b = new StringBuilder();
    b.append("No NVLink island has ").append(k).append(" free GPUs");
    if (topo.hasNvLink()) {
      b.append(" (free per island: ");
      List<String> parts = new ArrayList<>();
      for (List<Integer> island : topo.islands()) {
        List<Integer> c = new ArrayList<>(island);
        c.retainAll(pool);
        parts.add(island + "=" + c.size());
      }
      b.append(String.join(", ", parts)).append(')');
    } else {
      b.append(" (the machine has no NVLink)");
    }
    b.append("; placed across islands on ")
        .append(s.gpus)
        .append(", whose slowest path is ")
        .append(worstLink(s.gpus))
        .append(". Wait for GPUs to free up or ask for fewer to stay on NVLink.");
    return b.toString();
  }

  private String worstLink(List<Integer> set) {
    Link worst = null;
    for (int i = 0; i < set.size(); i++) {
      for (int j = i + 1; j < set.size(); j++) {
        Link l = topo.link(set.get(i), set.get(j));
        if (worst == null || rank(l) > rank(worst)) {
          worst = l;
        }
      }
    }
    return worst == null ? "nothing" : worst.toString();
  }

  private static int rank(Link l) {
    return l.isNvLink() ? -l.nvLinks() : 1000 + l.kind().distance();
  }

  private int countFree(List<Integer> gpus) {
    int n = 0;
    for (int g : gpus) {
      if (!held.contains(g)) {
        n++;
      }
    }
    return n;
  }

  private Score bestSubset(List<Integer> pool, int groupFree) {
    @Nullable Score best = null;
    if (binomialAtMost(pool.size(), k, EXHAUSTIVE_LIMIT)) {
      int[] idx = new int[k];
      for (int i = 0; i < k; i++) {
        idx[i] = i;
      }
      while (true) {
        List<Integer> set = new ArrayList<>(k);
        for (int i : idx) {
          set.add(pool.get(i));
        }
        Score s = score(set, groupFree);
        if (best == null || s.compareTo(best) < 0) {
          best = s;
        }
        int i = k - 1;
        while (i >= 0 && idx[i] == pool.size() - k + i) {
          i--;
        }
        if (i < 0) {
          break;
        }
        idx[i]++;
        for (int j = i + 1; j < k; j++) {
          idx[j] = idx[j - 1] + 1;
        }
      }
      return best;
    }
    for (int seed : pool) {
      Score s = score(grow(seed, pool), groupFree);
      if (best == null || s.compareTo(best) < 0) {
        best = s;
      }
    }
    // Called only with at least k GPUs in the pool, so some subset was scored.
    return Objects.requireNonNull(best, "no subset scored");
  }

  /** Grows a set from a seed, each step adding the GPU best linked to the set so far. */
  private List<Integer> grow(int seed, List<Integer> pool) {
    List<Integer> set = new ArrayList<>(k);
    set.add(seed);
    boolean[] used = new boolean[pool.size()];
    used[pool.indexOf(seed)] = true;
    while (set.size() < k) {
      int bestI = -1;
      long bestKey = Long.MIN_VALUE;
      for (int i = 0; i < pool.size(); i++) {
        if (used[i]) {
          continue;
        }
        int g = pool.get(i);
        int direct = 0;
        int linksSum = 0;
        int dist = 0;
        for (int m : set) {
          int links = nvLinks[g][m];
          if (links > 0) {
            direct++;
            linksSum += links;
          } else {
            dist += distance[g][m];
          }
        }
        int heldPenalty = isHeld[g] ? 1 : 0;
        // Larger key wins: not held, then more direct links, more NVLinks, shorter PCIe paths.
        long key = ((long) (1 - heldPenalty) << 50)
            | ((long) direct << 36)
            | ((long) linksSum << 16)
            | (long) (0xFFFF - Math.min(dist, 0xFFFF));
        if (key > bestKey) {
          bestKey = key;
          bestI = i;
        }
      }
      used[bestI] = true;
      set.add(pool.get(bestI));
    }
    set.sort(null);
    return set;
  }

  private Score score(List<Integer> set, int groupFree) {
    List<Integer> sorted = new ArrayList<>(set);
    sorted.sort(null);
    int n = sorted.size();
    int heldCount = 0;
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      g[i] = sorted.get(i);
      if (isHeld[g[i]]) {
        heldCount++;
      }
    }
    boolean clique = true;
    int links = 0;
    int dist = 0;
    int[] parent = new int[n];
    Arrays.setAll(parent, i -> i);
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        int l = nvLinks[g[i]][g[j]];
        if (l > 0) {
          links += l;
          parent[root(parent, i)] = root(parent, j);
        } else {
          clique = false;
          dist += distance[g[i]][g[j]];
        }
      }
    }
    int roots = 0;
    int numaNodes = 0;
    for (int i = 0; i < n; i++) {
      if (root(parent, i) == i) {
        roots++;
      }
      boolean seen = false;
      for (int j = 0; j < i && !seen; j++) {
        seen = numa[g[j]] == numa[g[i]];
      }
      if (!seen) {
        numaNodes++;
      }
    }
    return new Score(
        List.copyOf(sorted), heldCount, clique, roots == 1, links, dist, numaNodes, groupFree);
  }

  private static int root(int[] parent, int i) {
    while (parent[i] != i) {
      i = parent[i];
    }
    return i;
  }

  private static boolean binomialAtMost(int n, int r, int limit) {
    long c = 1;
    for (int i = 1; i <= r; i++) {
      c = c * (n - r + i) / i;
      if (c > limit) {
        return false;
      }
    }
    return true;
  }

  private static String gpus(int n) {
    return n == 1 ? "1 GPU" : n + " GPUs";
  }

  /** A candidate set and the criteria it is ranked by, most important first; smaller is better. */
  private record Score(
      List<Integer> gpus,
      int held,
      boolean clique,
      boolean connected,
      int nvLinks,
      int pcieDistance,
      int numaNodes,
      int groupFree)
      implements Comparable<Score> {
    @Override
    public int compareTo(Score o) {
      int c = Integer.compare(held, o.held);
      if (c == 0) {
        c = Boolean.compare(o.clique, clique);
      }
      if (c == 0) {
        c = Boolean.compare(o.connected, connected);
      }
      if (c == 0) {
        c = Integer.compare(o.nvLinks, nvLinks);
      }
      if (c == 0) {
        c = Integer.compare(pcieDistance, o.pcieDistance);
      }
      if (c == 0) {
        c = Integer.compare(numaNodes, o.numaNodes);
      }
      if (c == 0) {
        c = Integer.compare(groupFree, o.groupFree);
      }
      for (int i = 0; c == 0 && i < gpus.size(); i++) {
        c = Integer.compare(gpus.get(i), o.gpus.get(i));
      }
      return c;
    }
  }
}
