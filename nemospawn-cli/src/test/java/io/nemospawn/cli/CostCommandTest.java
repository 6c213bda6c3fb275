package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * NemoSpawn 1.0's {@code cost show|set-rate|reset --team T} forms as its documentation prints
 * them, our positional and filtering forms, and {@code team budget}; the agents' logs stand in for
 * Claude Code's stream-json output.
 */
class CostCommandTest {
  @TempDir
  Path dir;

  Cli cli;
  String t1;
  String a1;
  String a2;

  @BeforeEach
  void teamWithTwoAgentsAndTheirLogs() throws IOException {
    cli = new Cli(dir);
    t1 = cli.id("team", "create", "t1");
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.team(t1)) {
      a1 = t.agents().register("a1", "worker", List.of(0, 1), "").id();
      a2 = t.agents().register("a2", "worker", List.of(), "").id();
    }
    // a1: claude-sonnet-4-5, 1M input ($3) + 100k output ($1.5) = $4.5
    log(
        a1,
        "{\"type\":\"assistant\",\"message\":{\"id\":\"m1\",\"model\":\"claude-sonnet-4-5-20250929\","
            + "\"usage\":{\"input_tokens\":1000000,\"cache_creation_input_tokens\":0,"
            + "\"cache_read_input_tokens\":0,\"output_tokens\":100000}}}");
    // a2: a model the pricing does not know
    log(
        a2,
        "{\"type\":\"result\",\"modelUsage\":{\"acme-large\":{\"inputTokens\":500,"
            + "\"outputTokens\":20,\"cacheReadInputTokens\":0,\"cacheCreationInputTokens\":0}}}");
  }

  void log(String agent, String line) throws IOException {
    Path logs = dir.resolve("teams").resolve(t1).resolve("logs");
    Files.createDirectories(logs);
    Files.writeString(logs.resolve(agent + ".log"), "starting\n" + line + "\n");
  }

  Cli.Result ok(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
    return r;
  }

  JsonNode record() {
    try {
      return CliRun.JSON.readTree(
          Files.readString(dir.resolve("teams").resolve(t1).resolve("costs/cost_record.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void costShowIn10FormWritesA10CostRecordWithTokensBeside() {
    Cli.Result r = ok("cost", "show", "--team", t1);
    assertThat(r.out()).startsWith("Team " + t1 + ": $4.5");
    assertThat(r.out())
        .contains("Unpriced: no price for model(s) [acme-large]; their tokens are not in the"
            + " totals.");
    JsonNode rec = record();
    // NemoSpawn 1.0's fields, with the types its reader expects
    assertThat(rec.get("team_id").asString()).isEqualTo(t1);
    assertThat(rec.get("total_gpu_seconds").isNumber()).isTrue();
    assertThat(rec.get("total_cost_usd").isNumber()).isTrue();
    assertThat(rec.get("rate_per_gpu_hour").decimalValue()).isEqualByComparingTo("2.5");
    assertThat(rec.get("last_updated").asString()).endsWith("+00:00");
    JsonNode ac = rec.get("agent_costs").get(a1);
    assertThat(ac.get("name").asString()).isEqualTo("a1");
    assertThat(ac.get("gpu_count").asInt()).isEqualTo(2);
    for (String k : List.of("elapsed_seconds", "gpu_seconds", "cost_usd")) {
      assertThat(ac.get(k).isNumber()).as(k).isTrue();
    }
    assertThat(ac.get("status").asString()).isEqualTo("running");
    // ours beside them
    assertThat(rec.get("token_cost_usd").decimalValue()).isEqualByComparingTo("4.5");
    assertThat(rec.get("unpriced_models").get(0).asString()).isEqualTo("acme-large");
    assertThat(rec.get("models").get("acme-large").get("unpriced_tokens").asLong())
        .isEqualTo(520);
  }

  @Test
  void costShowPositionalAgentAndJson() {
    JsonNode j = ok("cost", "show", t1, "--agent", "a1", "--json").json();
    assertThat(j.get("agent_costs").propertyNames()).containsExactly(a1);
    assertThat(j.get("tokens").get("input_tokens").asLong()).isEqualTo(1_000_000);
    assertThat(j.get("models").get("claude-sonnet-4-5-20250929").get("cost_usd").decimalValue())
        .isEqualByComparingTo("4.5");
    // nothing was used in the future
    JsonNode later =
        ok("cost", "show", t1, "--since", "2999-01-01T00:00:00Z", "--json").json();
    assertThat(later.get("token_cost_usd").decimalValue()).isEqualByComparingTo("0");
    JsonNode hour = ok("cost", "show", t1, "--since", "1h", "--json").json();
    assertThat(hour.get("token_cost_usd").decimalValue()).isEqualByComparingTo("4.5");
    assertThat(hour.get("tasks").get("").get("cost_usd").decimalValue())
        .isEqualByComparingTo("4.5");
  }

  @Test
  void setRateIn10FormRepricesGpuTimeAndByGpuType() {
    ok("cost", "set-rate", "--team", t1, "--rate", "3.75");
    assertThat(record().get("rate_per_gpu_hour").decimalValue()).isEqualByComparingTo("3.75");
    ok("cost", "set-rate", t1, "--rate", "9", "--gpu-type", "NVIDIA H100 80GB HBM3");
    JsonNode j = ok("cost", "show", "--team", t1, "--json").json();
    assertThat(j.get("rate_per_gpu_hour").decimalValue()).isEqualByComparingTo("3.75");
    assertThat(j.get("rates_by_gpu_type").get("NVIDIA H100 80GB HBM3").decimalValue())
        .isEqualByComparingTo("9");
  }

  @Test
  void resetIn10FormLastsUnlike10() throws IOException {
    ok("cost", "reset", "--team", t1);
    JsonNode j = ok("cost", "show", "--team", t1, "--json").json();
    assertThat(j.get("token_cost_usd").decimalValue()).isEqualByComparingTo("0");
    assertThat(new BigDecimal(j.get("total_gpu_seconds").asString()))
        .isLessThan(new BigDecimal("60"));
    // what the logs gain after the reset counts
    Path log = dir.resolve("teams").resolve(t1).resolve("logs").resolve(a1 + ".log");
    Files.writeString(
        log,
        Files.readString(log) + "{\"type\":\"assistant\",\"message\":{\"id\":"
            + "\"m2\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"output_tokens\":200000}}}\n");
    j = ok("cost", "show", "--team", t1, "--json").json();
    assertThat(j.get("token_cost_usd").decimalValue()).isEqualByComparingTo("3");
  }

  @Test
  void helpOfThe10Commands() {
    for (String c : List.of("show", "set-rate", "reset")) {
      Cli.Result r = ok("cost", c, "--help");
      assertThat(r.out()).startsWith("Usage: nemospawn cost " + c);
    }
  }

  @Test
  void teamBudgetSetsRaisesShowsAndClears() {
    JsonNode s =
        ok("team", "budget", t1, "--usd", "5", "--wall", "12h", "--json").json();
    assertThat(s.get("limits").get("usd").get("used").decimalValue())
        .isGreaterThanOrEqualTo(new BigDecimal("4.5"));
    assertThat(s.get("limits").get("wall_seconds").get("limit").asLong()).isEqualTo(43_200);
    assertThat(s.get("exceeded").asBoolean()).isFalse();
    // a raise of one limit keeps the others
    s = ok("team", "budget", "--team", t1, "--tokens", "1000", "--json").json();
    assertThat(s.get("limits").propertyNames()).containsExactly("tokens", "usd", "wall_seconds");
    assertThat(s.get("exceeded").asBoolean()).isTrue();
    Cli.Result shown = ok("team", "budget", t1);
    assertThat(shown.out()).contains("tokens").contains("SPENT").contains("Spent: the watch stops");
    assertThat(ok("team", "budget", t1, "--clear").out())
        .isEqualTo("Budget of team " + t1 + " cleared\n");
    assertThat(ok("team", "budget", t1).out()).startsWith("Team " + t1 + " has no budget");
  }

  @Test
  void badValuesAreNamedAndTouchNothing() {
    Cli.Result r = cli.run("cost", "set-rate", "--team", t1, "--rate", "$(id)");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("Invalid --rate '$(id)': use a number of USD, e.g. 2.50");
    r = cli.run("team", "budget", t1, "--wall", "12 parsecs");
    assertThat(r.err())
        .contains("Invalid --wall '12 parsecs': use a duration such as 90s, 30m, 12h or 7d");
    r = cli.run("team", "budget", t1, "--usd", "-3");
    assertThat(r.err()).contains("Invalid USD limit -3; use a number above 0");
    assertThat(Files.exists(dir.resolve("teams").resolve(t1).resolve("costs/budget.json")))
        .isFalse();
    r = cli.run("cost", "show", t1, "--agent", "../x\nfake");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("Team " + t1 + " has no agent '../x\\nfake' (by id or name)");
    r = cli.run("cost", "show", t1, "--since", "yesterday");
    assertThat(r.err()).contains("Invalid --since 'yesterday'");
    r = cli.run("cost", "show", "--team", "../evil");
    assertThat(r.code()).isNotZero();
  }

  @Test
  void aMalformedPricingOverrideIsReportedByName() throws IOException {
    Files.writeString(dir.resolve("pricing.json"), "{not json");
    Cli.Result r = cli.run("cost", "show", "--team", t1);
    assertThat(r.code()).isNotZero();
    assertThat(r.err())
        .contains("The pricing file " + dir.resolve("pricing.json") + " is not valid JSON");
  }
}
