package io.nemospawn.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apiguardian.api.API;

/**
 * Which agents use their GPUs below a utilisation threshold and which GPUs stopping them would
 * free: the analysis behind {@code gpu reallocate TEAM --kill-below N}. Pure: it stops nothing.
 *
 * <pre>{@code
 * ReallocationPlan plan = ReallocationPlan.analyse(
 *     Map.of("trainer-1", List.of(0, 1), "eval-1", List.of(2)), snapshot.metrics(), 20);
 * plan.stop();        // agents under 20 %, e.g. [eval-1]
 * plan.freedGpus();   // [2]
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param thresholdPercent the {@code --kill-below} threshold
 * @param agents one verdict per agent, ordered by agent
 * @param freedGpus GPUs that no kept agent holds once the stopped ones are gone, ascending
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record ReallocationPlan(
    double thresholdPercent, List<Verdict> agents, List<Integer> freedGpus) {

  /** Validates and copies the parts. */
  public ReallocationPlan {
    agents = List.copyOf(agents);
    freedGpus = List.copyOf(freedGpus);
  }

  /**
   * Judges each agent by the mean {@link GpuMetrics#utilPercent()} of its GPUs that have a
   * reading: below {@code thresholdPercent} means stop. An agent without GPUs, or without any
   * reading for them, is kept and the verdict says why.
   *
   * @param agentGpus GPUs held by each running agent
   * @param metrics current readings
   * @param thresholdPercent utilisation in percent below which an agent is stopped (0–100)
   * @throws IllegalArgumentException when the threshold is outside 0–100
   */
  public static ReallocationPlan analyse(
      Map<String, ? extends List<Integer>> agentGpus,
      List<GpuMetrics> metrics,
      double thresholdPercent) {
    Objects.requireNonNull(agentGpus, "agentGpus");
    if (!(thresholdPercent >= 0 && thresholdPercent <= 100)) {
      throw new IllegalArgumentException(
          "Utilisation threshold must be between 0 and 100 %, got " + thresholdPercent);
    }
    Map<Integer, GpuMetrics> byGpu = new TreeMap<>();
    for (GpuMetrics m : metrics) {
      byGpu.put(m.index(), m);
    }
    List<Verdict> verdicts = new ArrayList<>();
    Set<Integer> stoppedGpus = new TreeSet<>();
    Set<Integer> keptGpus = new TreeSet<>();
    for (Map.Entry<String, ? extends List<Integer>> e : new TreeMap<>(agentGpus).entrySet()) {
      List<Integer> gpus = List.copyOf(new TreeSet<>(e.getValue()));
      double sum = 0;
      int known = 0;
      for (int g : gpus) {
        GpuMetrics m = byGpu.get(g);
        if (m != null && GpuMetrics.isKnown(m.utilPercent())) {
          sum += m.utilPercent();
          known++;
        }
      }
      double util = known == 0 ? Double.NaN : sum / known;
      boolean stop;
      String reason;
      if (gpus.isEmpty()) {
        stop = false;
        reason = "holds no GPU";
      } else if (known == 0) {
        stop = false;
        reason = "no utilisation reading for GPUs " + gpus + "; kept";
      } else if (util < thresholdPercent) {
        stop = true;
        reason = String.format(
            Locale.ROOT, "utilisation %.1f %% is below %s %%", util, trim(thresholdPercent));
      } else {
        stop = false;
        reason = String.format(
            Locale.ROOT, "utilisation %.1f %% is at or above %s %%", util, trim(thresholdPercent));
      }
      (stop ? stoppedGpus : keptGpus).addAll(gpus);
      verdicts.add(new Verdict(e.getKey(), gpus, util, stop, reason));
    }
    stoppedGpus.removeAll(keptGpus);
    return new ReallocationPlan(thresholdPercent, verdicts, new ArrayList<>(stoppedGpus));
  }

  /** Returns the agents the plan would stop, in order. */
  public List<String> stop() {
    return agents.stream().filter(Verdict::stop).map(Verdict::agent).toList();
  }

  /** Returns the plan as maps and lists for JSON output. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("threshold_percent", thresholdPercent);
    m.put("stop", stop());
    m.put("freed_gpus", freedGpus);
    m.put("agents", agents.stream().map(Verdict::toMap).toList());
    return m;
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /**
   * The verdict on one agent.
   *
   * @param agent the agent
   * @param gpus its GPUs, ascending
   * @param utilPercent mean utilisation of its GPUs with a reading; NaN when none has one
   * @param stop whether the plan stops it
   * @param reason why, in words
   */
  public record Verdict(
      String agent, List<Integer> gpus, double utilPercent, boolean stop, String reason) {
    /** Validates and copies the parts. */
    public Verdict {
      Objects.requireNonNull(agent, "agent");
      gpus = List.copyOf(gpus);
      Objects.requireNonNull(reason, "reason");
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("agent", agent);
      m.put("gpu_ids", gpus);
      m.put("util_percent", Double.isNaN(utilPercent) ? null : utilPercent);
      m.put("stop", stop);
      m.put("reason", reason);
      return m;
    }
  }
}
