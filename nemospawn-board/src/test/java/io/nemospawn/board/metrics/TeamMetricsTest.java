package io.nemospawn.board.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.board.CostView;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeamMetricsTest {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  final List<Set<Integer>> askedGpus = new ArrayList<>();

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("metrics").gpus(0, 1).create();
  }

  @AfterEach
  void close() {
    team.close();
    ns.close();
  }

  /** A recorded two-GPU reading; GPU 1's temperature is unknown, as nvidia-smi's N/A. */
  GpuSnapshot twoGpus(Set<Integer> ids) {
    askedGpus.add(ids);
    return new GpuSnapshot(
        Instant.parse("2026-12-03T10:00:00Z"),
        "nvidia-smi",
        List.of(
            GpuMetrics.unknown(0).withUtilisation(87, 34).withTemperature(61).withPower(250, 400),
            GpuMetrics.unknown(1).withUtilisation(5, 1).withPower(60, 400)),
        List.of());
  }

  @Test
  void exportsTasksAgentsMessagesGpusAndTheTeamsStudy() throws Exception {
    Task a = team.tasks().create("a");
    team.tasks().create("b");
    team.tasks().create("c");
    team.tasks().complete(a.id());
    team.agents().register("w1", "worker", List.of(1), "train");
    team.agents().register("w2", "worker", List.of(), "eval");
    team.inbox().send("leader", "w1", "hi");
    team.inbox().send("leader", "w1", "again");
    team.inbox().send("w1", "w2", "done");
    team.inbox().receive("w2");

    try (Study s = Hpo.create(
        dir,
        "sweep",
        HpoConfig.of(SearchSpace.builder().floatParam("lr", 0.0, 1.0).build()))) {
      Trial t0 = s.ask();
      s.tell(t0, 0.5);
      Trial t1 = s.ask();
      s.tell(t1, 0.25);
      Trial t2 = s.ask();
      s.tell(t2, TrialState.PRUNED);
      s.ask();
    }
    team.tasks()
        .create(TaskSpec.of("trial 3")
            .withMetadata(Hpo.TASK_STUDY_KEY, "sweep")
            .withMetadata(Hpo.TASK_TRIAL_KEY, 3));

    TeamMetrics m = TeamMetrics.builder(team).gpus(this::twoGpus).build();
    String text = m.scrapeText();
    String t = "team=\"" + team.id() + "\"";

    assertThat(text)
        .contains("# HELP nemospawn_tasks Tasks of the team by status")
        .contains("# TYPE nemospawn_tasks gauge")
        .contains("nemospawn_tasks{status=\"done\"," + t + "} 1.0")
        .contains("nemospawn_tasks{status=\"pending\"," + t + "} 3.0")
        .contains("nemospawn_tasks{status=\"cancelled\"," + t + "} 0.0")
        .contains("# TYPE nemospawn_messages_sent_total counter")
        .contains("nemospawn_messages_sent_total{agent=\"leader\"," + t + "} 2.0")
        .contains("nemospawn_messages_received_total{agent=\"" + id("w1") + "\"," + t + "} 2.0")
        .contains("nemospawn_messages_unread{agent=\"" + id("w1") + "\"," + t + "} 2.0")
        .contains("nemospawn_messages_unread{agent=\"" + id("w2") + "\"," + t + "} 0.0")
        .contains("nemospawn_gpu_utilization_ratio{gpu=\"0\"," + t + "} 0.87")
        .contains("nemospawn_gpu_temperature_celsius{gpu=\"0\"," + t + "} 61.0")
        .doesNotContain("nemospawn_gpu_temperature_celsius{gpu=\"1\"")
        .contains("nemospawn_gpu_power_watts{gpu=\"1\"," + t + "} 60.0")
        .contains("nemospawn_hpo_trials{state=\"complete\",study=\"sweep\"," + t + "} 2.0")
        .contains("nemospawn_hpo_trials{state=\"pruned\",study=\"sweep\"," + t + "} 1.0")
        .contains("nemospawn_hpo_trials{state=\"running\",study=\"sweep\"," + t + "} 1.0")
        .contains("nemospawn_hpo_best_value{direction=\"minimize\",study=\"sweep\"," + t + "} 0.25")
        .contains("# HELP nemospawn_scrape_errors_total Parts of the team that could not be read")
        .contains("nemospawn_scrape_errors_total{part=\"hpo\"," + t + "} 0.0")
        .contains("nemospawn_scrape_errors_total{part=\"gpus\"," + t + "} 0.0");
    // The GPUs asked for: the team's (0, 1) and those its agents hold.
    assertThat(askedGpus).containsExactly(Set.of(0, 1));
  }

  @Test
  void eachScrapeReadsTheTeamAgain() {
    TeamMetrics m = TeamMetrics.builder(team).gpus(this::twoGpus).build();
    String t = "team=\"" + team.id() + "\"";
    assertThat(m.scrapeText()).contains("nemospawn_tasks{status=\"done\"," + t + "} 0.0");
    Task a = team.tasks().create("a");
    team.tasks().complete(a.id());
    assertThat(m.scrapeText()).contains("nemospawn_tasks{status=\"done\"," + t + "} 1.0");
  }

  @Test
  void messageFilesAreParsedOnceUntilTheyChange() throws Exception {
    team.agents().register("w1", "worker", List.of(), "");
    for (int i = 0; i < 5; i++) {
      team.inbox().send("leader", "w1", "m" + i);
    }
    InboxCounts counts = new InboxCounts(team.dir());
    assertThat(counts.count().receivedBy()).containsEntry(id("w1"), 5L);
    assertThat(counts.parses()).isEqualTo(5);
    counts.count();
    assertThat(counts.parses()).isEqualTo(5);
    team.inbox().receive("w1");
    InboxCounts.Counts after = counts.count();
    assertThat(after.unreadOf()).containsEntry(id("w1"), 0L);
    assertThat(after.receivedBy()).containsEntry(id("w1"), 5L);
    // Marking read rewrote the five files; nothing else is parsed again.
    assertThat(counts.parses()).isEqualTo(10);
  }

  @Test
  void taskFilesAreParsedOnceUntilTheyChangeAndACorruptOneIsAProblemNotATask() throws Exception {
    List<Task> made = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      made.add(team.tasks().create("t" + i));
    }
    TeamMetrics m = TeamMetrics.builder(team).gpus(this::twoGpus).build();
    String t = "team=\"" + team.id() + "\"";
    assertThat(m.scrapeText()).contains("nemospawn_tasks{status=\"pending\"," + t + "} 4.0");
    assertThat(m.taskParses()).isEqualTo(4);
    m.scrapeText();
    assertThat(m.taskParses()).isEqualTo(4);
    team.tasks().complete(made.get(0).id());
    Files.writeString(team.dir().resolve("tasks").resolve("t-bad.json"), "{\"task_id\": ");
    Files.writeString(
        team.dir().resolve("tasks").resolve("t-odd.json"),
        "{\"task_id\":\"t-odd\",\"team_id\":\"x\",\"title\":\"x\",\"status\":\"weird\"}");
    String after = m.scrapeText();
    assertThat(after)
        .contains("nemospawn_tasks{status=\"done\"," + t + "} 1.0")
        .contains("nemospawn_tasks{status=\"pending\"," + t + "} 3.0")
        .contains("nemospawn_unreadable_records_tasks{" + t + "} 2.0");
    // The completed task and the two new files; the other three were not parsed again.
    assertThat(m.taskParses()).isEqualTo(7);
  }

  @Test
  void anUnreadableMessageIsCountedAsAProblemNotAMessage() throws Exception {
    team.agents().register("w1", "worker", List.of(), "");
    team.inbox().send("leader", "w1", "ok");
    Path inbox = team.dir().resolve("inbox").resolve(id("w1"));
    Files.writeString(inbox.resolve("2026-12-03T10-00-00.000000+00-00_deadbeef.json"), "{not json");
    TeamMetrics m = TeamMetrics.builder(team).gpus(this::twoGpus).build();
    String t = "team=\"" + team.id() + "\"";
    assertThat(m.scrapeText())
        .contains("nemospawn_messages_received_total{agent=\"" + id("w1") + "\"," + t + "} 1.0")
        .contains("nemospawn_unreadable_records_messages{" + t + "} 1.0");
  }

  @Test
  void aStudyThatCannotBeReadIsLeftOutAndCountedWhileTheRestIsExported() {
    TeamMetrics m =
        TeamMetrics.builder(team).gpus(this::twoGpus).study("missing").build();
    String t = "team=\"" + team.id() + "\"";
    assertThat(m.scrapeText())
        .contains("nemospawn_scrape_errors_total{part=\"hpo\"," + t + "} 1.0")
        .contains("nemospawn_tasks{status=\"done\"," + t + "} 0.0")
        .doesNotContain("nemospawn_hpo_trials{");
  }

  @Test
  void aFailingGpuProbeLeavesOutOnlyTheGpus() {
    TeamMetrics m = TeamMetrics.builder(team)
        .gpus(ids -> {
          throw new IllegalStateException("NVML gone");
        })
        .build();
    String t = "team=\"" + team.id() + "\"";
    assertThat(m.scrapeText())
        .contains("nemospawn_scrape_errors_total{part=\"gpus\"," + t + "} 1.0")
        .contains("nemospawn_tasks{status=\"done\"," + t + "} 0.0")
        .doesNotContain("nemospawn_gpu_utilization_ratio{");
  }

  /** A reading of the team's costs as the CLI's ledger-backed source gives it. */
  static CostView costs(String agentId, String usd) {
    return new CostView(
        Instant.parse("2026-12-03T09:00:00Z"),
        Instant.parse("2026-12-03T10:00:00Z"),
        new BigDecimal("5.00"),
        new BigDecimal(usd),
        new BigDecimal("2"),
        1_500_000L,
        2_000L,
        List.of(new CostView.Agent(
            agentId,
            "w1",
            new BigDecimal("2"),
            new BigDecimal("5.00"),
            1_498_000L,
            new BigDecimal(usd))),
        List.of(
            new CostView.Limit(
                "usd", new BigDecimal("5.00").add(new BigDecimal(usd)), new BigDecimal("10")),
            new CostView.Limit("gpu_hours", new BigDecimal("2"), new BigDecimal("8"))));
  }

  @Test
  void exportsTheCostsOfTheSourceReadAtEachScrape() {
    String w1 = team.agents().register("w1", "worker", List.of(0), "train").id();
    AtomicInteger reads = new AtomicInteger();
    List<String> usd = new ArrayList<>(List.of("1.25", "3.75"));
    TeamMetrics m = TeamMetrics.builder(team)
        .gpus(this::twoGpus)
        .cost(() -> {
          reads.incrementAndGet();
          return costs(w1, usd.remove(0));
        })
        .build();
    String t = "team=\"" + team.id() + "\"";

    String first = m.scrapeText();
    assertThat(first)
        .contains("# HELP nemospawn_cost_usd What the team has cost since its cost ledger")
        .contains("# TYPE nemospawn_cost_usd gauge")
        .contains("nemospawn_cost_usd{kind=\"gpu\"," + t + "} 5.0")
        .contains("nemospawn_cost_usd{kind=\"tokens\"," + t + "} 1.25")
        .contains("# TYPE nemospawn_cost_gpu_seconds gauge")
        .contains("nemospawn_cost_gpu_seconds{" + t + "} 7200.0")
        .contains("nemospawn_cost_tokens{pricing=\"priced\"," + t + "} 1498000.0")
        .contains("nemospawn_cost_tokens{pricing=\"unpriced\"," + t + "} 2000.0")
        .contains("nemospawn_agent_cost_usd{agent=\"" + w1 + "\"," + t + "} 6.25")
        .contains("# HELP nemospawn_budget_used_ratio The share of each limit")
        .contains("nemospawn_budget_used_ratio{limit=\"usd\"," + t + "} 0.625")
        .contains("nemospawn_budget_used_ratio{limit=\"gpu_hours\"," + t + "} 0.25")
        .contains("nemospawn_scrape_errors_total{part=\"cost\"," + t + "} 0.0");
    // computed at scrape time: the second scrape reads the source again
    assertThat(m.scrapeText())
        .contains("nemospawn_cost_usd{kind=\"tokens\"," + t + "} 3.75")
        .contains("nemospawn_agent_cost_usd{agent=\"" + w1 + "\"," + t + "} 8.75");
    assertThat(reads).hasValue(2);
  }

  @Test
  void withoutACostSourceNoCostSeriesStandsInWithZeros() {
    assertThat(TeamMetrics.builder(team).gpus(this::twoGpus).build().scrapeText())
        .doesNotContain("nemospawn_cost_")
        .doesNotContain("nemospawn_budget_used_ratio")
        .contains("nemospawn_tasks{");
  }

  @Test
  void aFailingCostSourceLeavesOutOnlyTheCosts() {
    TeamMetrics m = TeamMetrics.builder(team)
        .gpus(this::twoGpus)
        .cost(() -> {
          throw new IllegalStateException("costs/cost_record.json is malformed");
        })
        .build();
    String t = "team=\"" + team.id() + "\"";
    assertThat(m.scrapeText())
        .contains("nemospawn_scrape_errors_total{part=\"cost\"," + t + "} 1.0")
        .contains("nemospawn_tasks{status=\"done\"," + t + "} 0.0")
        .contains("nemospawn_gpu_utilization_ratio{gpu=\"0\"," + t + "} 0.87")
        .doesNotContain("nemospawn_cost_usd{");
  }

  private String id(String agent) {
    return team.agents().get(agent).id();
  }
}
