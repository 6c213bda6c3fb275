package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import io.nemospawn.topology.GpuTopology;
import io.nemospawn.topology.HealthProblem;
import io.nemospawn.topology.HealthRule;
import io.nemospawn.topology.ReallocationPlan;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nemospawn gpu}: discovery, topology, health, a team's GPU status and the reallocation
 * analysis. Which probe answered (NVML, {@code nvidia-smi}, DCGM or none) is always shown.
 */
@Command(
    name = "gpu",
    mixinStandardHelpOptions = true,
    description = "GPUs: discovery, NVLink topology, health, team status, reallocation.",
    subcommands = {
      GpuCommand.Discover.class,
      GpuCommand.Topology.class,
      GpuCommand.Health.class,
      GpuCommand.Status.class,
      GpuCommand.Reallocate.class
    })
final class GpuCommand {
  /** What {@code gpu reallocate} says until the agent runtime can stop agents. */
  static final String NOT_STOPPED =
      "Nothing was stopped; run again with --execute to stop these agents and free their GPUs.";

  private GpuCommand() {}

  static void warn(Output out, List<String> warnings) {
    for (String w : warnings) {
      out.err().println("Warning: " + w);
    }
    out.err().flush();
  }

  static String number(double v, int decimals) {
    return GpuMetrics.isKnown(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "N/A";
  }

  static String count(long v) {
    return v < 0 ? "N/A" : Long.toString(v);
  }

  /** {@code nemospawn gpu discover}. */
  @Command(
      name = "discover",
      mixinStandardHelpOptions = true,
      description = "Lists the GPUs and says which probe found them.")
  static final class Discover implements Callable<Integer> {
    @Mixin
    Output out;

    @Override
    public Integer call() {
      GpuTopology t = GpuTopology.detect();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", t.source());
        m.put("warnings", t.warnings());
        List<Map<String, Object>> gpus = new ArrayList<>();
        for (Gpu g : t.gpus()) {
          Map<String, Object> e = g.toFormatMap();
          e.put("pci_bus_id", g.pciBusId());
          e.put("mig_enabled", g.migEnabled());
          e.put("cpu_affinity", g.cpuAffinity());
          e.put("numa_node", g.numaNode() < 0 ? null : g.numaNode());
          gpus.add(e);
        }
        m.put("gpus", gpus);
        out.json(m);
        return ExitCodes.OK;
      }
      warn(out, t.warnings());
      out.println("Probe: " + t.source() + " (" + t.size() + (t.size() == 1 ? " GPU)" : " GPUs)"));
      if (t.isEmpty()) {
        return ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (Gpu g : t.gpus()) {
        rows.add(List.of(
            Integer.toString(g.index()),
            g.name(),
            g.uuid(),
            g.pciBusId(),
            g.memoryUsedMb() + "/" + g.memoryTotalMb(),
            g.migEnabled() ? "on" : "off",
            g.numaNode() < 0 ? "N/A" : Integer.toString(g.numaNode())));
      }
      out.table(List.of("GPU", "NAME", "UUID", "PCI BUS", "MEMORY MIB", "MIG", "NUMA"), rows);
      return ExitCodes.OK;
    }
  }

  /** {@code nemospawn gpu topology}. */
  @Command(
      name = "topology",
      mixinStandardHelpOptions = true,
      description = "Prints the link matrix and the NVLink islands.")
  static final class Topology implements Callable<Integer> {
    @Mixin
    Output out;

    @Override
    public Integer call() {
      GpuTopology t = GpuTopology.detect();
      return TopologyView.print(out, t, Map.of(), "Probe: " + t.source());
    }
  }

  /** {@code nemospawn gpu health}. */
  @Command(
      name = "health",
      mixinStandardHelpOptions = true,
      description = "Reads metrics (DCGM, then NVML, then nvidia-smi) and checks the health rules;"
          + " exits 1 when a critical problem (double-bit ECC) is found.")
  static final class Health implements Callable<Integer> {
    @Mixin
    Output out;

    @Option(
        names = "--low-util",
        defaultValue = "10",
        description =
            "Utilisation in percent below which a GPU is reported (default ${DEFAULT-VALUE}).")
    double lowUtil;

    @Option(
        names = "--hot",
        defaultValue = "85",
        description = "Temperature in °C above which a GPU is reported (default ${DEFAULT-VALUE}).")
    double hot;

    @Override
    public Integer call() {
      GpuSnapshot s = GpuSnapshot.take(InstantSource.system());
      List<HealthProblem> problems =
          HealthRule.evaluate(HealthRule.defaults(lowUtil, hot), s.metrics());
      boolean critical =
          problems.stream().anyMatch(p -> p.severity() == HealthRule.Severity.CRITICAL);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>(s.toFormatMap());
        m.put("warnings", s.warnings());
        m.put("problems", problems.stream().map(HealthProblem::toMap).toList());
        out.json(m);
      } else {
        warn(out, s.warnings());
        out.println("Probe: " + s.source());
        metricsTable(out, s.metrics(), Map.of());
        if (problems.isEmpty()) {
          out.println(s.metrics().isEmpty() ? "No GPUs." : "No problems.");
        }
        for (HealthProblem p : problems) {
          out.println(p.severity() + ": " + p.message());
        }
      }
      return critical ? ExitCodes.FAILURE : ExitCodes.OK;
    }
  }

  static void metricsTable(
      Output out, List<GpuMetrics> metrics, Map<Integer, List<String>> agents) {
    if (metrics.isEmpty()) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (GpuMetrics m : metrics) {
      List<String> row = new ArrayList<>(List.of(
          Integer.toString(m.index()),
          number(m.utilPercent(), 1),
          number(m.memUtilPercent(), 1),
          number(m.temperatureC(), 0),
          number(m.powerW(), 1),
          count(m.eccSbe()),
          count(m.eccDbe())));
      if (!agents.isEmpty()) {
        row.add(String.join(",", agents.getOrDefault(m.index(), List.of("-"))));
      }
      rows.add(row);
    }
    List<String> header = new ArrayList<>(
        List.of("GPU", "UTIL %", "MEM %", "TEMP C", "POWER W", "ECC SBE", "ECC DBE"));
    if (!agents.isEmpty()) {
      header.add("AGENTS");
    }
    out.table(header, rows);
  }

  /** A team's agents and GPUs, read through the public API. */
  record TeamAgents(String teamId, Path teamDir, List<AgentInfo> agents, Set<Integer> teamGpus) {
    static TeamAgents read(Team t) {
      List<AgentInfo> agents = t.agents().list().items();
      Set<Integer> gpus = new TreeSet<>(t.info().gpuIds());
      agents.forEach(a -> gpus.addAll(a.gpuIds()));
      return new TeamAgents(t.id(), t.dir(), agents, gpus);
    }

    /** Returns {agent_id: gpu ids} of the agents whose status is running. */
    Map<String, List<Integer>> running() {
      Map<String, List<Integer>> m = new TreeMap<>();
      for (AgentInfo a : agents) {
        if (a.status() == AgentStatus.RUNNING) {
          m.put(a.id(), a.gpuIds());
        }
      }
      return m;
    }

    String nameOf(String agentId) {
      return agents.stream()
          .filter(a -> a.id().equals(agentId))
          .map(AgentInfo::name)
          .findFirst()
          .orElse(agentId);
    }
  }

  /** {@code nemospawn gpu status TEAM}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Reads the metrics of a team's GPUs and writes them to"
          + " teams/<team>/metrics/dcgm_<stamp>.json.")
  static final class Status extends TeamArgSubcommand {
    @Override
    int run(Team tm) {
      TeamAgents t = TeamAgents.read(tm);
      GpuSnapshot s = tm.snapshotGpus();
      Path file = t.teamDir().resolve("metrics").resolve(s.fileName());
      Map<Integer, List<String>> agentsByGpu = new TreeMap<>();
      for (AgentInfo a : t.agents()) {
        for (int g : a.gpuIds()) {
          agentsByGpu.computeIfAbsent(g, k -> new ArrayList<>()).add(a.name());
        }
      }
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>(s.toFormatMap());
        m.put("team_id", t.teamId());
        m.put("file", file.toString());
        m.put("warnings", s.warnings());
        out.json(m);
        return ExitCodes.OK;
      }
      warn(out, s.warnings());
      out.println("Team " + team.team() + ": GPUs " + t.teamGpus() + " (probe " + s.source() + ")");
      metricsTable(out, s.metrics(), agentsByGpu.isEmpty() ? Map.of() : agentsByGpu);
      Set<Integer> missing = new TreeSet<>(t.teamGpus());
      s.metrics().forEach(m -> missing.remove(m.index()));
      if (!missing.isEmpty()) {
        out.println("No readings for GPUs " + missing + " (not on this machine?)");
      }
      out.println("Wrote " + file);
      return ExitCodes.OK;
    }
  }

  /** {@code nemospawn gpu reallocate TEAM --kill-below N}. */
  @Command(
      name = "reallocate",
      mixinStandardHelpOptions = true,
      description = "Finds the team's running agents whose GPUs are used below N percent and the"
          + " GPUs stopping them would free; with --execute, stops them and frees the GPUs.")
  static final class Reallocate extends TeamArgSubcommand {
    @Option(
        names = "--kill-below",
        defaultValue = "50",
        paramLabel = "N",
        description = "Utilisation in percent (0-100) below which an agent would be stopped"
            + " (default: ${DEFAULT-VALUE}, as NemoSpawn 1.0).")
    double killBelow;

    @Option(
        names = "--execute",
        description = "Stop the agents the plan names (gracefully, then forcibly after --grace).")
    boolean execute;

    @Option(
        names = "--grace",
        paramLabel = "SECONDS",
        defaultValue = "10",
        description = "Seconds a stopped agent gets to exit before it is killed (default 10).")
    double graceSeconds;

    @Override
    int run(Team tm) {
      TeamAgents t = TeamAgents.read(tm);
      GpuSnapshot s = GpuSnapshot.take(InstantSource.system()).only(t.teamGpus());
      ReallocationPlan plan = ReallocationPlan.analyse(t.running(), s.metrics(), killBelow);
      List<String> stopped = execute ? stop(tm, plan.stop()) : List.of();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("team_id", t.teamId());
        m.put("source", s.source());
        m.put("warnings", s.warnings());
        m.putAll(plan.toMap());
        m.put("stopped", stopped);
        if (!execute) {
          m.put("note", NOT_STOPPED);
        }
        out.json(m);
        return ExitCodes.OK;
      }
      warn(out, s.warnings());
      out.println("Team " + team.team() + ": running agents under " + number(killBelow, 0)
          + " % utilisation (probe " + s.source() + ")");
      List<List<String>> rows = new ArrayList<>();
      for (ReallocationPlan.Verdict v : plan.agents()) {
        rows.add(List.of(
            v.agent(),
            t.nameOf(v.agent()),
            v.gpus().toString(),
            number(v.utilPercent(), 1),
            v.stop() ? "stop" : "keep",
            v.reason()));
      }
      if (rows.isEmpty()) {
        out.println("No running agents.");
      } else {
        out.table(List.of("AGENT", "NAME", "GPUS", "UTIL %", "PLAN", "REASON"), rows);
      }
      if (execute) {
        out.println("Stopped: " + (stopped.isEmpty() ? "none" : String.join(", ", stopped))
            + "; freed GPUs " + (stopped.isEmpty() ? "[]" : plan.freedGpus()));
      } else {
        out.println("Would stop: "
            + (plan.stop().isEmpty() ? "none" : String.join(", ", plan.stop()))
            + "; would free GPUs " + plan.freedGpus());
        out.println(NOT_STOPPED);
      }
      return ExitCodes.OK;
    }

    /** Stops the agents through their runtime; their GPU leases end with them. */
    private List<String> stop(Team t, List<String> agentIds) {
      if (graceSeconds < 0 || Double.isNaN(graceSeconds)) {
        throw new IllegalArgumentException(
            "Invalid --grace " + graceSeconds + "; use seconds >= 0, such as --grace 10");
      }
      List<String> done = new ArrayList<>();
      for (String id : agentIds) {
        t.agent(id).stop(Duration.ofMillis((long) (graceSeconds * 1000)));
        done.add(id);
      }
      return done;
    }
  }
}
