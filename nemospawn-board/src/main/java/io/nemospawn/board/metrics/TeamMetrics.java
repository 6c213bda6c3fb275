package io.nemospawn.board.metrics;

import static java.util.Objects.requireNonNull;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.agent.LifecycleState;
import io.nemospawn.board.CostSource;
import io.nemospawn.board.CostView;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.task.TaskState;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The Prometheus metrics of one team, read from the team each time they are collected (a scrape):
 * tasks by status, agents by lifecycle state, plans by status, messages sent and received, the
 * readings of the team's GPUs, and the trials and best value of the team's HPO studies. Every
 * series carries the label {@code team}. See docs/metrics.md for the list with HELP texts.
 *
 * <pre>{@code
 * TeamMetrics metrics = TeamMetrics.builder(team).build();
 * String text = metrics.scrapeText();   // the Prometheus text format
 * try (MetricsExporter e = MetricsExporter.builder(metrics).port(9090).start()) { ... }
 * }</pre>
 *
 * <p>A part that cannot be read (an HPO study's storage, the GPU probe) is left out of that scrape,
 * logged at WARN and counted in {@code nemospawn_scrape_errors_total{part}}; the other parts are
 * still exported. Thread-safe: scrapes may run concurrently.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public final class TeamMetrics implements MultiCollector {
  private static final Logger log = LoggerFactory.getLogger(TeamMetrics.class);

  private static final List<String> PARTS =
      List.of("tasks", "agents", "plans", "messages", "gpus", "hpo", "cost");

  private final Team team;
  private final String teamId;
  private final Path dataDir;
  private final Function<Set<Integer>, GpuSnapshot> gpus;
  private final List<String> studies;
  private final @Nullable CostSource cost;
  private final InboxCounts inbox;
  private final RecordCache<TaskRow> taskCache = new RecordCache<>(TeamMetrics::decodeTask);
  private final Counter errors;

  private TeamMetrics(Builder b) {
    this.team = b.team;
    this.teamId = b.team.id();
    this.dataDir = dataDirOf(b.team);
    this.gpus = b.gpus;
    this.studies = List.copyOf(b.studies);
    this.cost = b.cost;
    this.inbox = new InboxCounts(b.team.dir());
    this.errors = Counter.builder()
        .name("nemospawn_scrape_errors")
        .help("Parts of the team that could not be read while scraping, by part"
            + " (tasks, agents, plans, messages, gpus, hpo, cost)")
        .labelNames("team", "part")
        .build();
    // Every part starts at 0, so that increase() and rate() see the first error.
    for (String part : PARTS) {
      errors.labelValues(teamId, part);
    }
  }

  /**
   * Returns a builder for the metrics of {@code team}. The team handle must stay open while the
   * metrics are collected.
   */
  public static Builder builder(Team team) {
    return new Builder(requireNonNull(team, "team"));
  }

  /** Returns how many task files were parsed so far (for tests of the cache). */
  long taskParses() {
    return taskCache.parses();
  }

  /** Returns the team whose metrics these are. */
  public Team team() {
    return team;
  }

  /**
   * Returns the data directory of the team (the directory above {@code teams/<id>}), where its HPO
   * studies live.
   */
  static Path dataDirOf(Team team) {
    Path teams = team.dir().toAbsolutePath().getParent();
    Path data = teams == null ? null : teams.getParent();
    return data == null ? team.dir() : data;
  }

  /** Collects every series now and returns them in the Prometheus text format (0.0.4). */
  public String scrapeText() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);
    try {
      MetricsExporter.write(collect(), bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> out = new ArrayList<>();
    Set<Integer> teamGpus = new TreeSet<>();
    Set<String> teamStudies = new LinkedHashSet<>(studies);
    part("tasks", () -> tasks(out, teamStudies));
    part("agents", () -> agents(out, teamGpus));
    part("plans", () -> plans(out));
    part("messages", () -> messages(out));
    part("gpus", () -> gpus(out, teamGpus));
    part("hpo", () -> hpo(out, teamStudies));
    CostSource c = cost;
    if (c != null) {
      part("cost", () -> cost(out, c.read()));
    }
    out.add(errors.collect());
    return new MetricSnapshots(out);
  }

  private interface Part {
    void run() throws Exception;
  }

  private void part(String name, Part p) {
    try {
      p.run();
    } catch (Exception e) {
      errors.labelValues(teamId, name).inc();
      log.warn("Team {}: cannot read its {} for the metrics: {}", teamId, name, e.toString());
    }
  }

  /** What a scrape needs of a task record: its status and the study it links to. */
  private record TaskRow(TaskState state, String study) {}

  /**
   * Reads {@code tasks/<id>.json} through {@link RecordCache}: a scrape of a 10,000-task team
   * stats the files and parses only those that changed since the last scrape, where {@code
   * team.tasks().list()} would parse all 10,000 (docs/benchmarks.md). Decoded as the task reader
   * does: {@code task_id} and a known {@code status} are required.
   */
  private static Optional<TaskRow> decodeTask(JsonNode n) {
    if (!n.path("task_id").isString() || !n.path("status").isString()) {
      return Optional.empty();
    }
    TaskState state;
    try {
      state = TaskState.parse(n.path("status").asString());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    JsonNode study = n.path("metadata").path(Hpo.TASK_STUDY_KEY);
    return Optional.of(new TaskRow(state, study.isString() ? study.asString() : ""));
  }

  private void tasks(List<MetricSnapshot> out, Set<String> teamStudies) throws IOException {
    Map<TaskState, Long> counts = zeros(TaskState.class);
    long problems = 0;
    for (Optional<TaskRow> t : taskCache.read(team.dir().resolve("tasks"))) {
      if (t.isEmpty()) {
        problems++;
        continue;
      }
      counts.merge(t.get().state(), 1L, Long::sum);
      if (!t.get().study().isEmpty()) {
        teamStudies.add(t.get().study());
      }
    }
    GaugeSnapshot.Builder g = GaugeSnapshot.builder()
        .name("nemospawn_tasks")
        .help("Tasks of the team by status (pending, blocked, running, done, failed, cancelled)");
    counts.forEach((s, n) -> g.dataPoint(gauge(n, "status", s.wireName())));
    out.add(g.build());
    out.add(unreadable("tasks", problems));
  }

  private void agents(List<MetricSnapshot> out, Set<Integer> teamGpus) {
    Listing<AgentInfo> agents = team.agents().list();
    Map<LifecycleState, Long> counts = zeros(LifecycleState.class);
    for (AgentInfo a : agents.items()) {
      counts.merge(a.lifecycle(), 1L, Long::sum);
      teamGpus.addAll(a.gpuIds());
    }
    GaugeSnapshot.Builder g = GaugeSnapshot.builder()
        .name("nemospawn_agents")
        .help("Agents of the team by lifecycle state (running, idle, shutdown_requested,"
            + " shutdown_approved, dead)");
    counts.forEach((s, n) -> g.dataPoint(gauge(n, "state", s.wireName())));
    out.add(g.build());
    out.add(unreadable("agents", agents.problems().size()));
  }

  private void plans(List<MetricSnapshot> out) {
    Listing<Plan> plans = team.plans().list();
    Map<PlanStatus, Long> counts = zeros(PlanStatus.class);
    for (Plan p : plans.items()) {
      counts.merge(p.status(), 1L, Long::sum);
    }
    GaugeSnapshot.Builder g = GaugeSnapshot.builder()
        .name("nemospawn_plans")
        .help("Plans of the team by review status (pending, approved, rejected)");
    counts.forEach((s, n) -> g.dataPoint(gauge(n, "status", s.name().toLowerCase(Locale.ROOT))));
    out.add(g.build());
  }

  private void messages(List<MetricSnapshot> out) throws IOException {
    InboxCounts.Counts c = inbox.count();
    CounterSnapshot.Builder sent = CounterSnapshot.builder()
        .name("nemospawn_messages_sent")
        .help("Messages sent, by sender (an agent id, or a label such as leader)");
    c.sentBy().forEach((a, n) -> sent.dataPoint(counter(n, "agent", a)));
    CounterSnapshot.Builder received = CounterSnapshot.builder()
        .name("nemospawn_messages_received")
        .help("Messages delivered to an agent's inbox, by recipient");
    c.receivedBy().forEach((a, n) -> received.dataPoint(counter(n, "agent", a)));
    GaugeSnapshot.Builder unread = GaugeSnapshot.builder()
        .name("nemospawn_messages_unread")
        .help("Messages in an agent's inbox that it has not received yet, by recipient");
    c.unreadOf().forEach((a, n) -> unread.dataPoint(gauge(n, "agent", a)));
    out.add(sent.build());
    out.add(received.build());
    out.add(unread.build());
    out.add(unreadable("messages", c.problems()));
  }

  private void gpus(List<MetricSnapshot> out, Set<Integer> teamGpus) {
    teamGpus.addAll(team.info().gpuIds());
    GpuSnapshot s = gpus.apply(Set.copyOf(teamGpus));
    GaugeSnapshot.Builder util = GaugeSnapshot.builder()
        .name("nemospawn_gpu_utilization_ratio")
        .help("GPU utilisation, 0 to 1: SM activity when DCGM gives it, else the share of time a"
            + " kernel ran");
    GaugeSnapshot.Builder mem = GaugeSnapshot.builder()
        .name("nemospawn_gpu_memory_utilization_ratio")
        .help("GPU memory utilisation, 0 to 1: the share of time device memory was read or"
            + " written");
    GaugeSnapshot.Builder temp = GaugeSnapshot.builder()
        .name("nemospawn_gpu_temperature_celsius")
        .help("GPU temperature in degrees Celsius");
    GaugeSnapshot.Builder power =
        GaugeSnapshot.builder().name("nemospawn_gpu_power_watts").help("GPU power draw in watts");
    GaugeSnapshot.Builder limit = GaugeSnapshot.builder()
        .name("nemospawn_gpu_power_limit_watts")
        .help("GPU enforced power limit in watts");
    for (GpuMetrics m : s.metrics()) {
      String gpu = Integer.toString(m.index());
      known(util, m.utilPercent() / 100.0, gpu);
      known(mem, m.memUtilPercent() / 100.0, gpu);
      known(temp, m.temperatureC(), gpu);
      known(power, m.powerW(), gpu);
      known(limit, m.powerLimitW(), gpu);
    }
    out.add(util.build());
    out.add(mem.build());
    out.add(temp.build());
    out.add(power.build());
    out.add(limit.build());
    GaugeSnapshot.Builder source = GaugeSnapshot.builder()
        .name("nemospawn_gpu_probe_info")
        .help("The GPU probe that answered the scrape (dcgm, nvml, nvidia-smi, or none), always 1");
    source.dataPoint(gauge(1, "source", s.source()));
    out.add(source.build());
  }

  private void known(GaugeSnapshot.Builder b, double v, String gpu) {
    if (GpuMetrics.isKnown(v)) {
      b.dataPoint(gauge(v, "gpu", gpu));
    }
  }

  private void hpo(List<MetricSnapshot> out, Set<String> teamStudies) {
    GaugeSnapshot.Builder trials = GaugeSnapshot.builder()
        .name("nemospawn_hpo_trials")
        .help("Trials of the team's HPO studies by state (running, complete, pruned, fail,"
            + " waiting)");
    GaugeSnapshot.Builder best = GaugeSnapshot.builder()
        .name("nemospawn_hpo_best_value")
        .help("Objective value of the best complete trial of the team's HPO studies");
    for (String name : teamStudies) {
      part("hpo", () -> {
        try (Study study = Hpo.open(dataDir, name)) {
          Map<TrialState, Long> counts = zeros(TrialState.class);
          for (FrozenTrial t : study.trials()) {
            counts.merge(t.state(), 1L, Long::sum);
          }
          counts.forEach((s, n) -> trials.dataPoint(
              gauge(n, "study", name, "state", s.name().toLowerCase(Locale.ROOT))));
          Optional<FrozenTrial> b = study.findBestTrial();
          if (b.isPresent()) {
            OptionalDouble v = b.get().value();
            if (v.isPresent()) {
              best.dataPoint(gauge(
                  v.getAsDouble(),
                  "study",
                  name,
                  "direction",
                  study.direction().name().toLowerCase(Locale.ROOT)));
            }
          }
        }
      });
    }
    out.add(trials.build());
    out.add(best.build());
  }

  /**
   * The team's costs since its ledger was last reset: gauges, not counters, because a reset (or a
   * changed rate) may lower them.
   */
  private void cost(List<MetricSnapshot> out, CostView v) {
    out.add(GaugeSnapshot.builder()
        .name("nemospawn_cost_usd")
        .help("What the team has cost since its cost ledger was last reset, in US dollars, by kind"
            + " (gpu: GPU time at the team's rates; tokens: priced tokens)")
        .dataPoint(gauge(v.gpuUsd().doubleValue(), "kind", "gpu"))
        .dataPoint(gauge(v.tokenUsd().doubleValue(), "kind", "tokens"))
        .build());
    out.add(GaugeSnapshot.builder()
        .name("nemospawn_cost_gpu_seconds")
        .help("GPU time of the team's agents since its cost ledger was last reset, in GPU-seconds"
            + " (GPUs held x seconds)")
        .dataPoint(gauge(v.gpuHours().doubleValue() * 3600))
        .build());
    out.add(GaugeSnapshot.builder()
        .name("nemospawn_cost_tokens")
        .help("Tokens of the team's agents since its cost ledger was last reset, by whether their"
            + " model has a price (priced, unpriced)")
        .dataPoint(gauge(v.tokens() - v.unpricedTokens(), "pricing", "priced"))
        .dataPoint(gauge(v.unpricedTokens(), "pricing", "unpriced"))
        .build());
    GaugeSnapshot.Builder agents = GaugeSnapshot.builder()
        .name("nemospawn_agent_cost_usd")
        .help("What each agent has cost since the team's cost ledger was last reset, in US dollars"
            + " (GPU time and priced tokens)");
    for (CostView.Agent a : v.agents()) {
      agents.dataPoint(gauge(a.totalUsd().doubleValue(), "agent", a.agentId()));
    }
    out.add(agents.build());
    GaugeSnapshot.Builder budget = GaugeSnapshot.builder()
        .name("nemospawn_budget_used_ratio")
        .help("The share of each limit of the team's budget that is used, 1 = spent, by limit"
            + " (usd, gpu_hours, tokens, wall_seconds)");
    for (CostView.Limit l : v.budget()) {
      budget.dataPoint(gauge(l.fraction(), "limit", l.kind()));
    }
    out.add(budget.build());
  }

  private MetricSnapshot unreadable(String kind, long n) {
    return GaugeSnapshot.builder()
        .name("nemospawn_unreadable_records_" + kind)
        .help("Unreadable " + kind + " records found while scraping (left in place, not counted)")
        .dataPoint(gauge(n))
        .build();
  }

  private GaugeDataPointSnapshot gauge(double v, String... labels) {
    return GaugeDataPointSnapshot.builder().value(v).labels(labels(labels)).build();
  }

  private CounterDataPointSnapshot counter(double v, String... labels) {
    return CounterDataPointSnapshot.builder().value(v).labels(labels(labels)).build();
  }

  private Labels labels(String... pairs) {
    String[] all = new String[pairs.length + 2];
    all[0] = "team";
    all[1] = teamId;
    System.arraycopy(pairs, 0, all, 2, pairs.length);
    return Labels.of(all);
  }

  private static <E extends Enum<E>> Map<E, Long> zeros(Class<E> type) {
    Map<E, Long> m = new EnumMap<>(type);
    for (E e : type.getEnumConstants()) {
      m.put(e, 0L);
    }
    return m;
  }

  @Override
  public String toString() {
    return "TeamMetrics[" + teamId + " studies=" + studies + "]";
  }

  /**
   * Builds {@link TeamMetrics}. Not thread-safe.
   *
   * @since 0.3
   */
  @API(status = API.Status.EXPERIMENTAL, since = "0.3")
  public static final class Builder {
    private final Team team;
    private Function<Set<Integer>, GpuSnapshot> gpus;
    private final List<String> studies = new ArrayList<>();
    private @Nullable CostSource cost;

    private Builder(Team team) {
      this.team = team;
      this.gpus = ids -> GpuSnapshot.take(InstantSource.system()).only(ids);
    }

    /**
     * Sets how the readings of the team's GPUs (the indices given) are taken at each scrape. By
     * default the first GPU probe that answers ({@link GpuSnapshot#take}) without saving the
     * snapshot: {@link Team#snapshotGpus()} would also write {@code metrics/dcgm_<stamp>.json} on
     * every scrape.
     */
    public Builder gpus(Function<Set<Integer>, GpuSnapshot> gpus) {
      this.gpus = requireNonNull(gpus, "gpus");
      return this;
    }

    /**
     * Adds an HPO study to export besides those the team's tasks link to ({@code hpo_study}
     * metadata). The name is checked when the study is read.
     */
    public Builder study(String name) {
      studies.add(requireNonNull(name, "name"));
      return this;
    }

    /**
     * Exports the team's costs, read from {@code cost} at each scrape ({@code nemospawn_cost_usd},
     * {@code nemospawn_cost_gpu_seconds}, {@code nemospawn_cost_tokens}, {@code
     * nemospawn_agent_cost_usd}, {@code nemospawn_budget_used_ratio}). Without it no cost series
     * is exported (none stands in with zeros). {@link CostSource} shows how to give
     * nemospawn-core's ledger.
     */
    public Builder cost(CostSource cost) {
      this.cost = requireNonNull(cost, "cost");
      return this;
    }

    /** Returns the metrics. */
    public TeamMetrics build() {
      return new TeamMetrics(this);
    }

    @Override
    public String toString() {
      return "TeamMetrics.Builder[" + team.id() + " studies=" + studies + "]";
    }
  }
}
