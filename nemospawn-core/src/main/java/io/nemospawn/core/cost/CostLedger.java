package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import io.nemospawn.StateException;
import io.nemospawn.Team;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.StateFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A team's costs: GPU time from agent lifetimes × GPUs × the team's rate (per GPU type where set),
 * and tokens read from each agent's log ({@code <team>/logs/<agent>.log}) by a {@link UsageReader}
 * priced by {@link Pricing}. {@link #refresh} reads only what the logs have gained since the last
 * refresh (the readers' offsets live in {@code costs/usage/<agent>.json}), appends what it counted
 * to {@code costs/usage.jsonl} (time, agent, task, project, model, tokens, USD) and rewrites
 * {@code costs/cost_record.json} in NemoSpawn 1.0's layout with our fields beside.
 *
 * <pre>{@code
 * CostReport r = CostLedger.of(team).refresh();
 * BigDecimal usd = r.totalUsd();
 * }</pre>
 *
 * <p>Thread-safe; refreshes from several processes take turns on the team's {@code costs} lock.
 *
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public final class CostLedger {
  private static final Logger log = LoggerFactory.getLogger(CostLedger.class);

  /** The rate, USD per GPU-hour, of a team that never set one (as NemoSpawn 1.0). */
  public static final BigDecimal DEFAULT_RATE = new BigDecimal("2.5");

  static final String COSTS = "costs";
  static final String RECORD = "cost_record.json";
  static final String JOURNAL = "usage.jsonl";
  static final String USAGE = "usage";

  private static final BigDecimal HOUR = BigDecimal.valueOf(3600);
  private static final JsonMapper COMPACT = JsonMapper.builder().build();

  private final TeamContext ctx;

  private CostLedger(TeamContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Returns the ledger of a team.
   *
   * @throws IllegalArgumentException when the team was not opened by nemospawn-core
   */
  public static CostLedger of(Team team) {
    requireNonNull(team, "team");
    if (!(team instanceof FileTeam ft)) {
      throw new IllegalArgumentException(
          "Team " + team.id() + " is a " + team.getClass().getName()
              + "; costs are kept for teams opened with NemoSpawn.open() (nemospawn-core)");
    }
    return new CostLedger(ft.context());
  }

  static CostLedger of(TeamContext ctx) {
    return new CostLedger(ctx);
  }

  /** Returns the team. */
  public String teamId() {
    return ctx.teamId();
  }

  Path costsDir() {
    return ctx.sub(COSTS);
  }

  Path recordFile() {
    return costsDir().resolve(RECORD);
  }

  Path journalFile() {
    return costsDir().resolve(JOURNAL);
  }

  private Path stateFile(String agentId) {
    return costsDir().resolve(USAGE).resolve(StateFormat.requireId("agent id", agentId) + ".json");
  }

  private Path logFile(String agentId) {
    return ctx.dir().resolve("logs").resolve(StateFormat.requireId("agent id", agentId) + ".log");
  }

  // ------------------------------------------------------------------ reading and reporting

  /** Reads what the agents' logs have gained and returns the costs since the last reset. */
  public CostReport refresh() {
    return refresh(ctx.now());
  }

  CostReport refresh(Instant now) {
    try (StateLock l = ctx.lock(COSTS)) {
      Pricing pricing = Pricing.load(ctx.layout().dataDir());
      ObjectNode record = record();
      List<ObjectNode> agents = agentRecords();
      Map<String, Map<String, TokenUsage>> totals = catchUp(agents, pricing, now);
      CostReport r = build(record, agents, totals, pricing, resetAt(record), now, "", false);
      writeRecord(record, r);
      return r;
    }
  }

  /**
   * Refreshes, then returns the costs of a window, for every agent or one.
   *
   * @param agent an agent's id or name, or empty for every agent
   * @param since the start of the window, or null for everything since the last reset
   * @throws IllegalArgumentException naming the agent when the team has none of that id or name
   */
  public CostReport report(String agent, @Nullable Instant since) {
    requireNonNull(agent, "agent");
    Instant now = ctx.now();
    try (StateLock l = ctx.lock(COSTS)) {
      Pricing pricing = Pricing.load(ctx.layout().dataDir());
      ObjectNode record = record();
      List<ObjectNode> agents = agentRecords();
      Map<String, Map<String, TokenUsage>> totals = catchUp(agents, pricing, now);
      Instant reset = resetAt(record);
      CostReport all = build(record, agents, totals, pricing, reset, now, "", false);
      writeRecord(record, all);
      if (!agent.isEmpty()
          && agents.stream()
              .noneMatch(a -> Json.text(a, "agent_id", "").equals(agent)
                  || Json.text(a, "name", "").equals(agent))) {
        throw new IllegalArgumentException("Team " + ctx.teamId() + " has no agent '"
            + StateFormat.printable(agent) + "' (by id or name)");
      }
      Instant from = since == null || since.isBefore(reset) ? reset : since;
      Map<String, Map<String, TokenUsage>> window = since == null ? totals : journalTotals(from);
      return build(record, agents, window, pricing, from, now, agent, true);
    }
  }

  /** Reads every agent's log from its reader's offset; returns the totals by agent and model. */
  private Map<String, Map<String, TokenUsage>> catchUp(
      List<ObjectNode> agents, Pricing pricing, Instant now) {
    Map<String, Map<String, TokenUsage>> totals = new HashMap<>();
    List<String> lines = new ArrayList<>();
    @Nullable Map<String, String[]> running = null;
    for (ObjectNode a : agents) {
      String id = Json.text(a, "agent_id", "");
      if (!StateFormat.isValidId(id)) {
        continue;
      }
      UsageReader reader = reader(id, a);
      List<UsageReader.Delta> deltas;
      try {
        deltas = reader.readFrom(logFile(id));
      } catch (IOException e) {
        log.warn("Cannot read the log of agent {} for its token usage: {}", id, e.toString());
        deltas = List.of();
      }
      if (!deltas.isEmpty()) {
        if (running == null) {
          running = runningTasks();
        }
        String[] task = running.getOrDefault(
            id, running.getOrDefault(Json.text(a, "name", ""), new String[] {"", ""}));
        for (UsageReader.Delta d : deltas) {
          lines.add(journalLine(now, id, task[0], task[1], d, pricing));
        }
        writeState(id, reader);
      }
      totals.put(id, reader.totals());
    }
    if (!lines.isEmpty()) {
      append(journalFile(), lines);
    }
    return totals;
  }

  private UsageReader reader(String id, ObjectNode agent) {
    Path f = stateFile(id);
    try {
      return ctx.store()
          .readIfExists(f)
          .map(UsageReader::fromState)
          .orElseGet(() -> UsageReader.fresh(defaultModel(agent)));
    } catch (StateException | IllegalArgumentException e) {
      // The reader's state is ours alone; a damaged one restarts from the start of the log.
      log.warn(
          "The usage state {} cannot be read ({}); reading the log of {} again from its start",
          f,
          e.getMessage(),
          id);
      return UsageReader.fresh(defaultModel(agent));
    }
  }

  private void writeState(String id, UsageReader reader) {
    Path f = stateFile(id);
    try {
      Files.createDirectories(f.getParent());
    } catch (IOException e) {
      throw new StateException(f, "Cannot create " + f.getParent() + ": " + e, e);
    }
    ctx.store().write(f, reader.toState());
  }

  /** The model an agent's log is counted against when it names none: its record's, its profile's. */
  private String defaultModel(ObjectNode agent) {
    String m = Json.text(agent, "model", "");
    if (!m.isEmpty()) {
      return m;
    }
    String profile = Json.text(agent, "profile", "");
    if (StateFormat.isValidId(profile)) {
      Path f = ctx.layout().dataDir().resolve("profiles").resolve(profile + ".json");
      try {
        return ctx.store().readIfExists(f).map(p -> Json.text(p, "model", "")).orElse("");
      } catch (StateException e) {
        return "";
      }
    }
    return "";
  }

  /** Running tasks by owner: {task id, project}. */
  private Map<String, String[]> runningTasks() {
    Map<String, String[]> out = new HashMap<>();
    for (Path f : RecordStore.jsonFiles(ctx.sub("tasks"))) {
      try {
        ctx.store().readIfExists(f).ifPresent(t -> {
          if (Json.text(t, "status", "").equals("running")) {
            JsonNode owner = t.get("agent_id");
            if (owner != null && owner.isString()) {
              out.put(owner.asString(), new String[] {
                Json.text(t, "task_id", ""), t.path("metadata").path("project").asString("")
              });
            }
          }
        });
      } catch (StateException e) {
        log.debug("Skipping task {}: {}", f, e.getMessage());
      }
    }
    return out;
  }

  private static String journalLine(
      Instant now, String agent, String task, String project, UsageReader.Delta d, Pricing p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("at", StateFormat.formatTimestamp(now));
    m.put("agent_id", agent);
    m.put("task_id", task);
    m.put("project", project);
    m.put("model", d.model());
    m.putAll(d.usage().toFormatMap());
    m.put(
        "cost_usd",
        p.find(d.model(), d.usage()).map(c -> c.total().toPlainString()).orElse(null));
    return COMPACT.writeValueAsString(m);
  }

  private static void append(Path file, List<String> lines) {
    StringBuilder sb = new StringBuilder();
    lines.forEach(l -> sb.append(l).append('\n'));
    try (FileChannel ch = FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    } catch (IOException e) {
      throw new StateException(file, "Cannot append to " + file + ": " + e, e);
    }
  }

  /** A usage line of the journal. */
  private record Entry(
      Instant at, String agent, String task, String project, String model, TokenUsage usage) {}

  private List<Entry> journal(Instant from) {
    List<Entry> out = new ArrayList<>();
    Path file = journalFile();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int no = 0;
      while ((line = in.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        try {
          ObjectNode n = Json.parseObject(line.getBytes(StandardCharsets.UTF_8));
          Instant at = StateFormat.parseTimestamp(Json.text(n, "at"));
          if (at.isBefore(from)) {
            continue;
          }
          @SuppressWarnings("unchecked")
          Map<String, Object> m = Json.MAPPER.convertValue(n, Map.class);
          out.add(new Entry(
              at,
              Json.text(n, "agent_id", ""),
              Json.text(n, "task_id", ""),
              Json.text(n, "project", ""),
              Json.text(n, "model", UsageReader.UNKNOWN_MODEL),
              TokenUsage.fromFormatMap(m)));
        } catch (RuntimeException e) {
          log.warn("Skipping line {} of {}: {}", no, file, e.getMessage());
        }
      }
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw new StateException(file, "Cannot read " + file + ": " + e, e);
    }
    return out;
  }

  private Map<String, Map<String, TokenUsage>> journalTotals(Instant from) {
    Map<String, Map<String, TokenUsage>> out = new HashMap<>();
    for (Entry e : journal(from)) {
      out.computeIfAbsent(e.agent, k -> new TreeMap<>()).merge(e.model, e.usage, TokenUsage::plus);
    }
    return out;
  }

  private CostReport build(
      ObjectNode record,
      List<ObjectNode> agents,
      Map<String, Map<String, TokenUsage>> tokens,
      Pricing pricing,
      Instant from,
      Instant now,
      String agentFilter,
      boolean withJournal) {
    BigDecimal rate = rate(record);
    Map<String, BigDecimal> byType = ratesByGpuType(record);
    Map<Integer, String> gpuTypes = gpuTypes();
    List<CostReport.AgentCost> rows = new ArrayList<>();
    Map<String, CostReport.Tokens> models = new TreeMap<>();
    Set<String> ids = new java.util.HashSet<>();
    for (ObjectNode a : agents) {
      String id = Json.text(a, "agent_id", "");
      String name = Json.text(a, "name", id);
      if (!agentFilter.isEmpty() && !agentFilter.equals(id) && !agentFilter.equals(name)) {
        continue;
      }
      ids.add(id);
      List<Integer> gpus = gpuIds(a);
      BigDecimal elapsed = elapsedSeconds(a, from, now);
      BigDecimal perHour = BigDecimal.ZERO;
      for (int g : gpus) {
        perHour = perHour.add(byType.getOrDefault(gpuTypes.getOrDefault(g, ""), rate));
      }
      BigDecimal gpuUsd = elapsed.multiply(perHour).divide(HOUR, 12, RoundingMode.HALF_EVEN);
      CostReport.Tokens t = CostReport.Tokens.NONE;
      for (Map.Entry<String, TokenUsage> e : tokens.getOrDefault(id, Map.of()).entrySet()) {
        CostReport.Tokens one = priced(pricing, e.getKey(), e.getValue());
        t = t.plus(one);
        models.merge(e.getKey(), one, CostReport.Tokens::plus);
      }
      rows.add(new CostReport.AgentCost(
          id,
          name,
          Json.text(a, "status", "running"),
          gpus.size(),
          elapsed,
          elapsed.multiply(BigDecimal.valueOf(gpus.size())),
          gpuUsd.signum() == 0 ? BigDecimal.ZERO : gpuUsd.stripTrailingZeros(),
          t));
    }
    Map<String, CostReport.Tokens> tasks = new TreeMap<>();
    Map<String, CostReport.Tokens> projects = new TreeMap<>();
    if (withJournal) {
      for (Entry e : journal(from)) {
        if (!ids.contains(e.agent)) {
          continue;
        }
        CostReport.Tokens one = priced(pricing, e.model, e.usage);
        tasks.merge(e.task, one, CostReport.Tokens::plus);
        if (!e.project.isEmpty()) {
          projects.merge(e.project, one, CostReport.Tokens::plus);
        }
      }
    }
    return new CostReport(
        ctx.teamId(), from, now, pricing.version(), rate, byType, rows, models, tasks, projects);
  }

  private static CostReport.Tokens priced(Pricing pricing, String model, TokenUsage u) {
    return pricing
        .find(model, u)
        .map(c -> new CostReport.Tokens(u, c.total(), 0))
        .orElseGet(() -> new CostReport.Tokens(u, BigDecimal.ZERO, u.total()));
  }

  /**
   * The agent's lifetime inside the window: from its creation to its stop ({@code stopped_at},
   * else the {@code updated_at} of a stopped record, else its lifecycle's), or now while it runs.
   */
  static BigDecimal elapsedSeconds(ObjectNode a, Instant from, Instant now) {
    Instant created = Json.instant(a, "created_at", now);
    String status = Json.text(a, "status", "running");
    Instant end;
    if (status.equals("running") || status.equals("spawning")) {
      end = now;
    } else {
      end = Json.instantOrNull(a, "stopped_at");
      if (end == null) {
        end = Json.instantOrNull(a, "updated_at");
      }
      if (end == null && a.path("lifecycle").isObject()) {
        end = Json.instantOrNull((ObjectNode) a.get("lifecycle"), "updated_at");
      }
      if (end == null) {
        end = created;
      }
    }
    Instant start = created.isBefore(from) ? from : created;
    if (!end.isAfter(start)) {
      return BigDecimal.ZERO;
    }
    return BigDecimal.valueOf(Duration.between(start, end).toMillis(), 3).stripTrailingZeros();
  }

  private static List<Integer> gpuIds(ObjectNode a) {
    List<Integer> out = new ArrayList<>();
    JsonNode g = a.get("gpu_ids");
    if (g != null && g.isArray()) {
      g.forEach(x -> {
        if (x.isInt()) {
          out.add(x.asInt());
        }
      });
    }
    return out;
  }

  private Map<Integer, String> gpuTypes() {
    Map<Integer, String> out = new HashMap<>();
    try {
      ctx.store().readIfExists(ctx.layout().teamFile(ctx.teamId())).ifPresent(t -> {
        JsonNode gpus = t.get("gpus");
        if (gpus != null && gpus.isArray()) {
          gpus.forEach(g -> {
            if (g.path("index").isInt()) {
              out.put(g.path("index").asInt(), g.path("name").asString(""));
            }
          });
        }
      });
    } catch (StateException e) {
      log.debug("No GPU types for {}: {}", ctx.teamId(), e.getMessage());
    }
    return out;
  }

  private List<ObjectNode> agentRecords() {
    List<ObjectNode> out = new ArrayList<>();
    for (Path f : RecordStore.jsonFiles(ctx.sub("agents"))) {
      try {
        ctx.store().readIfExists(f).ifPresent(out::add);
      } catch (StateException e) {
        log.warn("Not costing agent record {}: {}", f, e.getMessage());
      }
    }
    out.sort(java.util.Comparator.comparing(a -> Json.text(a, "agent_id", "")));
    return out;
  }

  // ------------------------------------------------------------------ the record: rates, reset

  private ObjectNode record() {
    return ctx.store().readIfExists(recordFile()).orElseGet(Json::object);
  }

  private void writeRecord(ObjectNode old, CostReport r) {
    ObjectNode n = Json.MAPPER.valueToTree(r.toFormatMap());
    // Keep what the report does not compute: the reset time and fields of other writers.
    for (Map.Entry<String, JsonNode> e : old.properties()) {
      if (!n.has(e.getKey())) {
        n.set(e.getKey(), e.getValue());
      }
    }
    ctx.store().write(recordFile(), n);
  }

  private static Instant resetAt(ObjectNode record) {
    Instant r = Json.instantOrNull(record, "reset_at");
    return r == null ? Instant.EPOCH : r;
  }

  static BigDecimal rate(ObjectNode record) {
    JsonNode v = record.get("rate_per_gpu_hour");
    if (v == null || !v.isNumber()) {
      return DEFAULT_RATE;
    }
    return new BigDecimal(v.asString());
  }

  private static Map<String, BigDecimal> ratesByGpuType(ObjectNode record) {
    Map<String, BigDecimal> out = new TreeMap<>();
    JsonNode v = record.get("rates_by_gpu_type");
    if (v != null && v.isObject()) {
      for (Map.Entry<String, JsonNode> e : v.properties()) {
        if (e.getValue().isNumber()) {
          out.put(e.getKey(), new BigDecimal(e.getValue().asString()));
        }
      }
    }
    return out;
  }

  /** Returns the team's default rate, USD per GPU-hour. */
  public BigDecimal rate() {
    return rate(record());
  }

  /**
   * Sets the rate, USD per GPU-hour, of the team's GPUs (type empty) or of one GPU type (as
   * team.json names it, e.g. {@code NVIDIA H100 80GB HBM3}). Past GPU time is repriced at the new
   * rate, as in NemoSpawn 1.0.
   *
   * @throws IllegalArgumentException when the rate is negative
   */
  public void setRate(BigDecimal usdPerGpuHour, String gpuType) {
    requireNonNull(usdPerGpuHour, "usdPerGpuHour");
    requireNonNull(gpuType, "gpuType");
    if (usdPerGpuHour.signum() < 0) {
      throw new IllegalArgumentException("Invalid rate " + usdPerGpuHour.toPlainString()
          + " USD per GPU-hour; it cannot be negative");
    }
    try (StateLock l = ctx.lock(COSTS)) {
      ObjectNode record = record();
      if (!record.has("team_id")) {
        record.put("team_id", ctx.teamId());
      }
      if (gpuType.isEmpty()) {
        record.put("rate_per_gpu_hour", CostReport.plain(usdPerGpuHour));
      } else {
        ObjectNode types =
            record.has("rates_by_gpu_type") && record.get("rates_by_gpu_type").isObject()
                ? (ObjectNode) record.get("rates_by_gpu_type")
                : record.putObject("rates_by_gpu_type");
        types.put(gpuType, CostReport.plain(usdPerGpuHour));
      }
      ctx.store().write(recordFile(), record);
    }
    ctx.audit(
        "cost.set_rate",
        "",
        Map.of("rate_per_gpu_hour", usdPerGpuHour.toPlainString(), "gpu_type", gpuType));
  }

  /**
   * Starts counting afresh: GPU time and tokens before now no longer count (unlike NemoSpawn 1.0,
   * whose next {@code show} counted everything again). The logs are read up to now first, so
   * nothing before the reset is counted later.
   */
  public void reset() {
    Instant now = ctx.now();
    try (StateLock l = ctx.lock(COSTS)) {
      Pricing pricing = Pricing.load(ctx.layout().dataDir());
      List<ObjectNode> agents = agentRecords();
      catchUp(agents, pricing, now);
      for (ObjectNode a : agents) {
        String id = Json.text(a, "agent_id", "");
        if (StateFormat.isValidId(id) && Files.exists(stateFile(id))) {
          UsageReader r = reader(id, a);
          r.clearTotals();
          writeState(id, r);
        }
      }
      ObjectNode record = record();
      Json.put(record, "reset_at", now);
      CostReport r = build(record, agents, Map.of(), pricing, now, now, "", false);
      writeRecord(record, r);
    }
    ctx.audit("cost.reset", "", Map.of());
  }
}
