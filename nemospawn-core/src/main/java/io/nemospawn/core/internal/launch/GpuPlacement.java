package io.nemospawn.core.internal.launch;

import io.nemospawn.GpuUnavailableException;
import io.nemospawn.InvalidSettingException;
import io.nemospawn.launch.Template;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.Placement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Places a template's workers on the GPUs a launch was given. Workers that need more GPUs are
 * placed first. When the machine's topology covers the given GPUs, {@link GpuTopology#place}
 * chooses (NVLink islands first); otherwise each worker gets a run of adjacent GPUs (adjacent indices share an NVLink island on the
 * usual 4- and 8-GPU boards), choosing the smallest run that fits so large runs stay whole. A GPU
 * never goes to two workers unless sharing is allowed.
 */
final class GpuPlacement {
  private GpuPlacement() {}

  static Map<String, List<Integer>> place(
      Template t, List<Integer> given, boolean share, List<String> notes, GpuTopology topo) {
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    for (Template.Worker w : t.workers()) {
      out.put(w.name(), List.of());
    }
    if (given.isEmpty()) {
      return out;
    }
    if (t.totalGpus() == 0) {
      return out;
    }
    if (topo.indices().containsAll(given)) {
      return byTopology(t, given, share, notes, topo, out);
    }
    notes.add("No GPU topology is known for GPUs " + given + " ("
        + (topo.indices().isEmpty()
            ? "no GPU was detected on this machine"
            : "detected GPUs: " + topo.indices())
        + "): workers are placed on adjacent indices, which share an"
        + " NVLink island on the usual 4- and 8-GPU boards.");
    List<Integer> free = new ArrayList<>(given);
    free.sort(Comparator.naturalOrder());
    List<Template.Worker> order = new ArrayList<>(t.workers());
    order.sort(Comparator.comparingInt(Template.Worker::gpuCount).reversed());
    int cursor = 0;
    for (Template.Worker w : order) {
      int k = w.gpuCount();
      if (k == 0) {
        continue;
      }
      List<Integer> run = bestRun(free, k);
      if (run == null && free.size() >= k) {
        run = new ArrayList<>(free.subList(0, k));
        notes.add("Worker '" + w.name() + "' gets GPUs " + run + ", which are not adjacent: no"
            + " run of " + k + " adjacent free GPUs was left.");
      }
      if (run == null) {
        if (!share) {
          throw new InvalidSettingException(
              List.of("gpus", "shareGpus"),
              "Cannot place worker '" + w.name() + "' (gpu_count " + k + "): only "
                  + free.size() + " of the " + given.size() + " given GPUs " + given
                  + " are still free " + free + " and a GPU is never given to two workers. The"
                  + " template's workers need " + t.totalGpus() + " GPUs together; give more"
                  + " GPUs, or allow sharing them.");
        }
        if (k > given.size()) {
          throw new InvalidSettingException(
              List.of("gpus"),
              "Cannot place worker '" + w.name() + "' (gpu_count " + k + ") on the "
                  + given.size() + " given GPUs " + given + ", even sharing; give at least " + k
                  + " GPUs.");
        }
        List<Integer> sorted = new ArrayList<>(given);
        sorted.sort(Comparator.naturalOrder());
        run = new ArrayList<>();
        for (int i = 0; i < k; i++) {
          run.add(sorted.get((cursor + i) % sorted.size()));
        }
        cursor = (cursor + k) % sorted.size();
        run.sort(Comparator.naturalOrder());
        notes.add("Worker '" + w.name() + "' shares GPUs " + run + " with other workers"
            + " (sharing was allowed; there are too few GPUs).");
      } else {
        free.removeAll(run);
      }
      out.put(w.name(), List.copyOf(run));
    }
    return out;
  }

  /** Places with the machine's topology: NVLink islands first, through GpuTopology#place. */
  private static Map<String, List<Integer>> byTopology(
      Template t,
      List<Integer> given,
      boolean share,
      List<String> notes,
      GpuTopology topo,
      Map<String, List<Integer>> out) {
    Set<Integer> held = new TreeSet<>(topo.indices());
    held.removeAll(given);
    Set<Integer> outside = new TreeSet<>(held);
    List<Template.Worker> order = new ArrayList<>(t.workers());
    order.sort(Comparator.comparingInt(Template.Worker::gpuCount).reversed());
    for (Template.Worker w : order) {
      if (w.gpuCount() == 0) {
        continue;
      }
      Placement p;
      try {
        p = topo.place(w.gpuCount(), held, false);
      } catch (GpuUnavailableException e) {
        if (!share) {
          List<Integer> free = new ArrayList<>(given);
          free.removeAll(held);
          throw new InvalidSettingException(
              List.of("gpus", "shareGpus"),
              "Cannot place worker '" + w.name() + "' (gpu_count "
                  + w.gpuCount() + "): only " + free.size() + " of the " + given.size()
                  + " given GPUs " + given + " are still free " + free + " and a GPU is never given"
                  + " to two workers. The template's workers need " + t.totalGpus() + " GPUs"
                  + " together; give more GPUs, or allow sharing them.",
              e);
        }
        // Sharing: only among the given GPUs.
        Set<Integer> notGiven = new TreeSet<>(outside);
        p = topo.place(w.gpuCount(), notGiven, false);
        notes.add("Worker '" + w.name() + "' shares GPUs " + p.gpus() + " with other workers"
            + " (sharing was allowed; there are too few GPUs).");
      }
      for (String warning : p.warnings()) {
        notes.add("Worker '" + w.name() + "': " + warning);
      }
      held.addAll(p.gpus());
      out.put(w.name(), p.gpus());
    }
    return out;
  }

  /** Returns the shortest maximal run of consecutive indices holding k GPUs, its first k. */
  private static @Nullable List<Integer> bestRun(List<Integer> free, int k) {
    List<List<Integer>> runs = new ArrayList<>();
    List<Integer> cur = new ArrayList<>();
    for (int g : free) {
      if (!cur.isEmpty() && g != cur.get(cur.size() - 1) + 1) {
        runs.add(cur);
        cur = new ArrayList<>();
      }
      cur.add(g);
    }
    if (!cur.isEmpty()) {
      runs.add(cur);
    }
    List<Integer> best = null;
    for (List<Integer> r : runs) {
      if (r.size() >= k && (best == null || r.size() < best.size())) {
        best = r;
      }
    }
    return best == null ? null : new ArrayList<>(best.subList(0, k));
  }
}
