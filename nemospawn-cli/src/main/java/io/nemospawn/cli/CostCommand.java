package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.core.cost.CostLedger;
import io.nemospawn.core.cost.CostReport;
import io.nemospawn.spi.StateFormat;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code nemospawn cost show|set-rate|reset}: GPU time and tokens of a team, priced (NemoSpawn
 * 1.0's forms with {@code --team}, and a positional {@code TEAM_ID}).
 */
@Command(
    name = "cost",
    mixinStandardHelpOptions = true,
    description = "Cost tracking: GPU-hours and model tokens per agent, task, project and model.",
    subcommands = {CostCommand.Show.class, CostCommand.SetRate.class, CostCommand.Reset.class})
final class CostCommand {
  private CostCommand() {}

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "Shows the cost of a team: GPU time (lifetime × GPUs × rate) and tokens read from the"
            + " agents' logs (Claude Code and Codex JSON usage), priced per model from the"
            + " pricing file (<data dir>/pricing.json overrides the shipped one).",
        "Tokens of models the pricing does not know are listed as unpriced, never counted as"
            + " free."
      })
  static final class Show extends TeamArgSubcommand {
    @Option(
        names = {"-a", "--agent"},
        paramLabel = "AGENT",
        description = "Only this agent (id or name).")
    @Nullable
    String agent;

    @Option(
        names = "--since",
        paramLabel = "WHEN",
        description = "Only from this time: an ISO-8601 time (2026-12-01T10:00:00Z) or an age"
            + " (90s, 30m, 12h, 7d).")
    @Nullable
    String since;

    @Override
    int run(Team t) {
      Instant from = since == null ? null : parseSince(since);
      CostReport r = CostLedger.of(t).report(agent == null ? "" : agent, from);
      if (out.json()) {
        out.json(r.toFormatMap());
        return ExitCodes.OK;
      }
      out.println("Team " + t.id() + ": $" + usd(r.totalUsd()) + " (GPU $" + usd(r.gpuUsd())
          + " for " + hours(r.gpuHours()) + " GPU-hours, tokens $"
          + usd(r.tokens().usd())
          + " for " + r.tokens().usage().total() + " tokens)");
      out.println((r.from().equals(Instant.EPOCH)
              ? "From the start"
              : "From " + StateFormat.formatTimestamp(r.from()))
          + " to "
          + StateFormat.formatTimestamp(r.at()) + "; $" + usd(r.ratePerGpuHour())
          + " per GPU-hour"
          + (r.ratesByGpuType().isEmpty() ? "" : " (by GPU type: " + rates(r) + ")")
          + "; pricing " + r.pricingVersion());
      List<List<String>> rows = new ArrayList<>();
      for (CostReport.AgentCost a : r.agents()) {
        rows.add(List.of(
            a.agentId(),
            a.name(),
            a.status(),
            String.valueOf(a.gpuCount()),
            hours(a.gpuSeconds().divide(BigDecimal.valueOf(3600), 6, RoundingMode.HALF_EVEN)),
            usd(a.gpuUsd()),
            String.valueOf(a.tokens().usage().total()),
            usd(a.tokens().usd()),
            usd(a.totalUsd())));
      }
      out.table(
          List.of(
              "AGENT",
              "NAME",
              "STATUS",
              "GPUS",
              "GPU-HOURS",
              "GPU $",
              "TOKENS",
              "TOKEN $",
              "TOTAL $"),
          rows);
      section("MODEL", r.models());
      section("TASK", r.tasks());
      section("PROJECT", r.projects());
      if (!r.unpricedModels().isEmpty()) {
        out.println("Unpriced: no price for model(s) " + r.unpricedModels()
            + "; their tokens are not in the totals. Add them to pricing.json in the data"
            + " directory (see docs/operations.md)");
      }
      return ExitCodes.OK;
    }

    private void section(String label, Map<String, CostReport.Tokens> s) {
      if (s.isEmpty()) {
        return;
      }
      out.println("");
      List<List<String>> rows = new ArrayList<>();
      s.forEach((k, v) -> rows.add(List.of(
          k.isEmpty() ? "(none)" : k,
          String.valueOf(v.usage().input()),
          String.valueOf(v.usage().cachedInput()),
          String.valueOf(v.usage().cacheWrite()),
          String.valueOf(v.usage().output()),
          usd(v.usd()),
          v.unpriced() == 0 ? "" : v.unpriced() + " unpriced")));
      out.table(List.of(label, "INPUT", "CACHED", "CACHE-WRITE", "OUTPUT", "$", ""), rows);
    }

    private static String rates(CostReport r) {
      List<String> l = new ArrayList<>();
      r.ratesByGpuType().forEach((k, v) -> l.add(k + " $" + usd(v)));
      return String.join(", ", l);
    }
  }

  @Command(
      name = "set-rate",
      mixinStandardHelpOptions = true,
      description = "Sets the GPU-hour rate for cost calculations (past GPU time is repriced).")
  static final class SetRate extends TeamArgSubcommand {
    @Option(
        names = "--rate",
        required = true,
        paramLabel = "USD",
        description = "Cost per GPU-hour in USD.")
    String rate = "";

    @Option(
        names = "--gpu-type",
        paramLabel = "TYPE",
        description = "Only for this GPU type, as team.json names it (e.g. \"NVIDIA H100 80GB"
            + " HBM3\"); default: every GPU without a rate of its type.")
    @Nullable
    String gpuType;

    @Override
    int run(Team t) {
      BigDecimal r;
      try {
        r = new BigDecimal(rate.trim());
      } catch (NumberFormatException e) {
        throw new ParameterException(
            spec.commandLine(),
            "Invalid --rate '" + StateFormat.printable(rate) + "': use a number of USD, e.g. 2.50");
      }
      if (r.signum() < 0) {
        throw new ParameterException(
            spec.commandLine(), "Invalid --rate " + rate + ": it cannot be negative");
      }
      String type = gpuType == null ? "" : gpuType;
      CostLedger.of(t).setRate(r, type);
      if (out.json()) {
        out.json(Map.of("team_id", t.id(), "rate_per_gpu_hour", r, "gpu_type", type));
      } else {
        out.println("Rate for team " + t.id() + (type.isEmpty() ? "" : " on " + type) + ": $"
            + r.toPlainString() + " per GPU-hour");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "reset",
      mixinStandardHelpOptions = true,
      description = "Resets cost tracking for a team: GPU time and tokens count from now on.")
  static final class Reset extends TeamArgSubcommand {
    @Override
    int run(Team t) {
      CostLedger.of(t).reset();
      if (out.json()) {
        out.json(Map.of("team_id", t.id(), "reset", true));
      } else {
        out.println("Costs of team " + t.id() + " reset; they count from now on");
      }
      return ExitCodes.OK;
    }
  }

  /** Formats USD to 4 decimals for people; --json has them exact. */
  static String usd(BigDecimal d) {
    return d.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
  }

  static String hours(BigDecimal d) {
    return d.setScale(3, RoundingMode.HALF_EVEN).toPlainString();
  }

  /** Parses {@code --since}: an ISO-8601 time or an age back from now. */
  static Instant parseSince(String text) {
    String s = text.trim();
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      // not a time: an age
    }
    try {
      return Instant.now().minus(parseDuration(s, "--since"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid --since '" + StateFormat.printable(text)
          + "': use an ISO-8601 time (2026-12-01T10:00:00Z) or an age (90s, 30m, 12h, 7d)");
    }
  }

  /**
   * Parses a duration: {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}, or ISO-8601 ({@code
   * PT12H}).
   */
  static Duration parseDuration(String text, String flag) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("p")) {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      }
      if (s.length() >= 2) {
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        Duration d = switch (s.charAt(s.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          case 'd' -> Duration.ofDays(n);
          default -> throw new IllegalArgumentException(s);
        };
        if (!d.isNegative()) {
          return d;
        }
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // reported below
    }
    throw new IllegalArgumentException("Invalid " + flag + " '" + StateFormat.printable(text)
        + "': use a duration such as 90s, 30m, 12h or 7d");
  }
}
