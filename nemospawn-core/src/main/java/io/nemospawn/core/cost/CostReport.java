package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import io.nemospawn.spi.StateFormat;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * What a team has cost from {@code from} to {@code at}: GPU time per agent at the team's rates,
 * tokens per agent, model, task and project priced from the pricing file, and the tokens of models
 * the pricing does not know (reported, never priced at zero). Money is USD. Immutable,
 * thread-safe.
 *
 * @param teamId the team
 * @param from the start of the window (the last reset, or the {@code since} asked for; {@link
 *     Instant#EPOCH} when neither)
 * @param at the end of the window
 * @param pricingVersion the version of the pricing used
 * @param ratePerGpuHour the team's default rate, USD per GPU-hour
 * @param ratesByGpuType rates of GPU types that differ from the default, by type name
 * @param agents cost per agent
 * @param models tokens and cost per model
 * @param tasks tokens and cost per task ({@code ""}: no task running at the time)
 * @param projects tokens and cost per project (from the tasks' {@code project} metadata)
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public record CostReport(
    String teamId,
    Instant from,
    Instant at,
    String pricingVersion,
    BigDecimal ratePerGpuHour,
    Map<String, BigDecimal> ratesByGpuType,
    List<AgentCost> agents,
    Map<String, Tokens> models,
    Map<String, Tokens> tasks,
    Map<String, Tokens> projects) {

  /** Copies the collections in. */
  public CostReport {
    requireNonNull(teamId, "teamId");
    requireNonNull(from, "from");
    requireNonNull(at, "at");
    requireNonNull(pricingVersion, "pricingVersion");
    requireNonNull(ratePerGpuHour, "ratePerGpuHour");
    ratesByGpuType = Map.copyOf(ratesByGpuType);
    agents = List.copyOf(agents);
    models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
    tasks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    projects = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(projects));
  }

  /**
   * Tokens and what they cost; {@code usd} counts the priced tokens, {@code unpriced} the tokens
   * of models without a price.
   */
  public record Tokens(TokenUsage usage, BigDecimal usd, long unpriced) {
    /** No tokens. */
    public static final Tokens NONE = new Tokens(TokenUsage.ZERO, BigDecimal.ZERO, 0);

    /** Returns the sum. */
    public Tokens plus(Tokens o) {
      return new Tokens(usage.plus(o.usage), usd.add(o.usd), unpriced + o.unpriced);
    }

    Map<String, Object> toFormatMap() {
      Map<String, Object> m = new LinkedHashMap<>(usage.toFormatMap());
      m.put("total_tokens", usage.total());
      m.put("cost_usd", plain(usd));
      m.put("unpriced_tokens", unpriced);
      return m;
    }
  }

  /**
   * One agent's cost.
   *
   * @param agentId the agent
   * @param name its name
   * @param status its status
   * @param gpuCount how many GPUs it holds
   * @param elapsedSeconds its lifetime inside the window
   * @param gpuSeconds elapsed × GPUs
   * @param gpuUsd what its GPU time cost
   * @param tokens its tokens and their cost
   */
  public record AgentCost(
      String agentId,
      String name,
      String status,
      int gpuCount,
      BigDecimal elapsedSeconds,
      BigDecimal gpuSeconds,
      BigDecimal gpuUsd,
      Tokens tokens) {
    /** Returns GPU and token cost together. */
    public BigDecimal totalUsd() {
      return gpuUsd.add(tokens.usd());
    }
  }

  /** Returns the GPU-seconds of every agent. */
  public BigDecimal gpuSeconds() {
    return agents.stream().map(AgentCost::gpuSeconds).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  /** Returns the GPU-hours of every agent. */
  public BigDecimal gpuHours() {
    return gpuSeconds().divide(BigDecimal.valueOf(3600), 12, java.math.RoundingMode.HALF_EVEN);
  }

  /** Returns what the GPU time cost. */
  public BigDecimal gpuUsd() {
    return agents.stream().map(AgentCost::gpuUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  /** Returns every token and its cost. */
  public Tokens tokens() {
    return models.values().stream().reduce(Tokens.NONE, Tokens::plus);
  }

  /** Returns GPU and token cost together. */
  public BigDecimal totalUsd() {
    return gpuUsd().add(tokens().usd());
  }

  /** Returns the models that have tokens but no price. */
  public List<String> unpricedModels() {
    List<String> out = new ArrayList<>();
    models.forEach((k, v) -> {
      if (v.unpriced() > 0) {
        out.add(k);
      }
    });
    return out;
  }

  /**
   * Returns the report in the layout of NemoSpawn 1.0's {@code costs/cost_record.json} ({@code
   * team_id}, {@code total_gpu_seconds}, {@code total_cost_usd}, {@code agent_costs}, {@code
   * rate_per_gpu_hour}, {@code last_updated}) with our fields beside them.
   */
  public Map<String, Object> toFormatMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("team_id", teamId);
    m.put("total_gpu_seconds", plain(gpuSeconds()));
    m.put("total_cost_usd", plain(totalUsd()));
    Map<String, Object> byAgent = new LinkedHashMap<>();
    for (AgentCost a : agents) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("name", a.name());
      x.put("gpu_count", a.gpuCount());
      x.put("elapsed_seconds", plain(a.elapsedSeconds()));
      x.put("gpu_seconds", plain(a.gpuSeconds()));
      x.put("cost_usd", plain(a.totalUsd()));
      x.put("status", a.status());
      x.put("gpu_cost_usd", plain(a.gpuUsd()));
      x.put("tokens", a.tokens().toFormatMap());
      byAgent.put(a.agentId(), x);
    }
    m.put("agent_costs", byAgent);
    m.put("rate_per_gpu_hour", plain(ratePerGpuHour));
    m.put("last_updated", StateFormat.formatTimestamp(at));
    Map<String, Object> types = new java.util.TreeMap<>();
    ratesByGpuType.forEach((k, v) -> types.put(k, plain(v)));
    m.put("rates_by_gpu_type", types);
    m.put("from", StateFormat.formatTimestamp(from));
    m.put("gpu_hours", plain(gpuHours()));
    m.put("gpu_cost_usd", plain(gpuUsd()));
    m.put("token_cost_usd", plain(tokens().usd()));
    m.put("tokens", tokens().toFormatMap());
    m.put("pricing_version", pricingVersion);
    m.put("models", section(models));
    m.put("tasks", section(tasks));
    m.put("projects", section(projects));
    m.put("unpriced_models", unpricedModels());
    return m;
  }

  /**
   * Returns a decimal as state files and {@code --json} write it: no trailing zeros and never in
   * exponent form ({@code 10}, not {@code 1E+1}).
   */
  static BigDecimal plain(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }

  private static Map<String, Object> section(Map<String, Tokens> s) {
    Map<String, Object> out = new LinkedHashMap<>();
    s.forEach((k, v) -> out.put(k, v.toFormatMap()));
    return out;
  }
}
