package io.nemospawn.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.GpuUnavailableException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PlacementTest {
  @Test
  void picksTheFullyConnectedQuadOfAHybridCubeMesh() {
    GpuTopology t = Topologies.dgx1();
    Placement p = t.place(4, Set.of(), false);
    assertThat(p.gpus()).containsExactly(0, 1, 2, 3);
    assertThat(p.fullyConnected()).isTrue();
    assertThat(p.sameIsland()).isTrue();
    assertThat(p.warnings()).isEmpty();
    assertThat(t.place(4, Set.of(1), false).gpus()).containsExactly(4, 5, 6, 7);
  }

  @Test
  void prefersTheDoubleLinkedPairOnOneNumaNode() {
    // NV2 pairs: (0,3) and (0,4) have equal links; (0,4) spans NUMA nodes.
    assertThat(Topologies.dgx1().place(2, Set.of(), false).gpus()).containsExactly(0, 3);
    assertThat(Topologies.dgx1().place(2, Set.of(0), false).gpus()).containsExactly(1, 2);
  }

  @Test
  void singleGpuGoesWhereItFragmentsLeast() {
    GpuTopology t = Topologies.twoIslands();
    // Island 0-3 has 1 free GPU left, island 4-7 has 4: take the lone one.
    assertThat(t.place(1, Set.of(0, 1, 2), false).gpus()).containsExactly(3);
  }

  @Test
  void spreadsAcrossIslandsWithAWarningNamingTheReason() {
    GpuTopology t = Topologies.twoIslands();
    Placement p = t.place(4, Set.of(0, 1, 4), false);
    assertThat(p.sameIsland()).isFalse();
    // Three of island 4-7 (three NV4 pairs) beat two of each (two NV4 pairs).
    assertThat(p.gpus()).containsExactly(2, 5, 6, 7);
    assertThat(p.warnings())
        .containsExactly("No NVLink island has 4 free GPUs (free per island:"
            + " [0, 1, 2, 3]=2, [4, 5, 6, 7]=3); placed across islands on [2, 5, 6, 7], whose slowest"
            + " path is SYS. Wait for GPUs to free up or ask for fewer to stay on NVLink.");
  }

  @Test
  void pcieOnlyMachinePrefersTheNearestPairAndSaysThereIsNoNvLink() {
    Placement p = Topologies.pcie4().place(2, Set.of(), false);
    assertThat(p.gpus()).containsExactly(0, 1);
    assertThat(p.warnings())
        .containsExactly("No NVLink island has 2 free GPUs (the machine has no"
            + " NVLink); placed across islands on [0, 1], whose slowest path is NODE. Wait for GPUs to"
            + " free up or ask for fewer to stay on NVLink.");
  }

  @Test
  void refusesWhenTooFewAreFreeUnlessSharing() {
    GpuTopology t = GpuTopology.uniform(4);
    assertThatThrownBy(() -> t.place(3, Set.of(0, 1), false))
        .isInstanceOf(GpuUnavailableException.class)
        .hasMessage("Cannot place 3 GPUs: only 2 of 4 are free [2, 3]; GPUs [0, 1] are held by"
            + " running agents. Stop an agent, ask for fewer GPUs, or allow sharing.")
        .satisfies(e -> assertThat(((GpuUnavailableException) e).free()).containsExactly(2, 3));
    Placement shared = t.place(3, Set.of(0, 1), true);
    assertThat(shared.gpus()).containsExactly(0, 2, 3);
    assertThat(shared.shared()).containsExactly(0);
    assertThat(shared.warnings())
        .containsExactly("GPUs [0] are shared with running agents"
            + " (sharing was asked for): only 2 GPUs are free [2, 3].");
    assertThatThrownBy(() -> t.place(5, Set.of(), true))
        .isInstanceOf(GpuUnavailableException.class)
        .hasMessage("Cannot place 5 GPUs: the machine has only 4 [0, 1, 2, 3]. Ask for at most 4"
            + " GPUs.");
    assertThatThrownBy(() -> GpuTopology.empty().place(1, Set.of(), false))
        .isInstanceOf(GpuUnavailableException.class)
        .hasMessage("Cannot place 1 GPU: there are no GPUs (topology source none). Ask for at most"
            + " 0 GPUs.");
    assertThatThrownBy(() -> t.place(0, Set.of(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot place 0 GPUs: ask for at least 1");
  }

  @Test
  void cudaVisibleDevicesListsTheGpus() {
    assertThat(GpuTopology.uniform(8).place(3, Set.of(0), false).cudaVisibleDevices())
        .isEqualTo("1,2,3");
  }

  // ---- properties over random topologies and occupancy (seeded: reproducible) ----

  @Test
  void propertiesHoldOverRandomTopologies() {
    Random random = new Random(20261121L);
    for (int trial = 0; trial < 600; trial++) {
      GpuTopology t = randomTopology(random, 1 + random.nextInt(16));
      Set<Integer> held = new HashSet<>();
      for (int g : t.indices()) {
        if (random.nextInt(3) == 0) {
          held.add(g);
        }
      }
      int k = 1 + random.nextInt(t.size());
      int free = t.size() - held.size();
      String context = "trial " + trial + " " + t.toFormatMatrix() + " held " + held + " k " + k;
      if (k > free) {
        assertThatThrownBy(() -> t.place(k, held, false))
            .as(context)
            .isInstanceOf(GpuUnavailableException.class);
        continue;
      }
      Placement p = t.place(k, held, false);
      // Never double-books, gives exactly k distinct existing GPUs, ascending.
      assertThat(p.gpus()).as(context).hasSize(k).doesNotHaveDuplicates().isSorted();
      assertThat(p.gpus()).as(context).noneMatch(held::contains);
      assertThat(t.indices()).as(context).containsAll(p.gpus());
      assertThat(p.shared()).as(context).isEmpty();
      // Deterministic, whatever the set's iteration order.
      assertThat(t.place(k, new TreeSet<>(held), false)).as(context).isEqualTo(p);
      // Prefers one island whenever one has k free GPUs.
      boolean islandFits = k == 1;
      boolean cliqueFits = k == 1;
      for (List<Integer> island : t.islands()) {
        List<Integer> f = new ArrayList<>(island);
        f.removeAll(held);
        islandFits |= f.size() >= k;
        cliqueFits |= f.size() >= k && hasClique(t, f, k);
      }
      assertThat(p.sameIsland()).as(context).isEqualTo(islandFits);
      if (k > 1 && islandFits) {
        assertThat(t.islandOf(p.gpus().get(0))).as(context).containsAll(p.gpus());
      }
      if (!islandFits) {
        assertThat(p.warnings()).as(context).isNotEmpty();
      }
      // Prefers a fully connected set whenever an island holds one.
      if (cliqueFits) {
        assertThat(p.fullyConnected()).as(context).isTrue();
      }
      // Sharing never shares while free GPUs suffice.
      assertThat(t.place(k, held, true).shared()).as(context).isEmpty();
    }
  }

  @Test
  void sharingAlwaysSucceedsAndSharesOnlyWhatItMust() {
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      GpuTopology t = randomTopology(random, 2 + random.nextInt(10));
      Set<Integer> held = new HashSet<>();
      for (int g : t.indices()) {
        if (random.nextBoolean()) {
          held.add(g);
        }
      }
      int k = 1 + random.nextInt(t.size());
      Placement p = t.place(k, held, true);
      int free = t.size() - held.size();
      assertThat(p.gpus()).hasSize(k).doesNotHaveDuplicates();
      assertThat(p.shared()).hasSize(Math.max(0, k - free));
    }
  }

  private static boolean hasClique(GpuTopology t, List<Integer> pool, int k) {
    return clique(t, pool, k, 0, new ArrayList<>());
  }

  private static boolean clique(
      GpuTopology t, List<Integer> pool, int k, int from, List<Integer> chosen) {
    if (chosen.size() == k) {
      return true;
    }
    for (int i = from; i < pool.size(); i++) {
      int g = pool.get(i);
      boolean ok = true;
      for (int c : chosen) {
        ok &= t.link(g, c).isNvLink();
      }
      if (ok) {
        chosen.add(g);
        if (clique(t, pool, k, i + 1, chosen)) {
          return true;
        }
        chosen.remove(chosen.size() - 1);
      }
    }
    return false;
  }

  /** Random islands with random NVLink density inside, random PCIe kinds elsewhere. */
  static GpuTopology randomTopology(Random random, int n) {
    GpuTopology.Builder b = GpuTopology.builder();
    int[] group = new int[n];
    int groups = 1 + random.nextInt(Math.max(1, n / 2));
    for (int i = 0; i < n; i++) {
      b.gpu(Gpu.of(i, "G").withAffinity("", random.nextInt(2)));
      group[i] = random.nextInt(groups);
    }
    LinkKind[] pcie = {LinkKind.PIX, LinkKind.PXB, LinkKind.PHB, LinkKind.NODE, LinkKind.SYS};
    double density = random.nextDouble();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (group[i] == group[j] && random.nextDouble() < density) {
          b.link(i, j, Link.nvLink(1 + random.nextInt(18)));
        } else {
          b.link(i, j, Link.of(pcie[random.nextInt(pcie.length)]));
        }
      }
    }
    return b.build();
  }
}
