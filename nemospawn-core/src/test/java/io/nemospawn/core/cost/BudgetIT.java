package io.nemospawn.core.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.AuditLog;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentStatus;
import io.nemospawn.agent.Role;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * Budgets on real processes: fake agent CLIs (a shell script standing in for {@code claude}) print
 * Claude Code stream-json usage lines to their logs; watch passes run on a clock the test moves.
 */
class BudgetIT {
  @TempDir
  Path dir;

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
  NemoSpawn ns;
  Team team;
  Path fakeClaude;

  @BeforeEach
  void setUp() throws Exception {
    ns = NemoSpawn.builder()
        .dataDir(dir.resolve("data"))
        .durability(Durability.NONE)
        .clock(now::get)
        .open();
    team = ns.newTeam("budget").gpus(0, 1).create();
    fakeClaude = dir.resolve("fake-claude");
    // Prints the usage lines of the file it is given, as claude -p --output-format stream-json
    // would while working, then waits to be stopped.
    Files.writeString(fakeClaude, "#!/bin/sh\ncat \"$1\"\nexec sleep 300\n");
    Files.setPosixFilePermissions(fakeClaude, PosixFilePermissions.fromString("rwx------"));
  }

  @AfterEach
  void tearDown() {
    ns.close();
  }

  /** A stream-json run of claude-haiku-4-5 ($5 per million output tokens) of {@code output} tokens. */
  private Path usage(String name, long output) throws Exception {
    Path f = dir.resolve(name + ".jsonl");
    Files.writeString(
        f,
        "{\"type\":\"system\",\"subtype\":\"init\",\"model\":\"claude-haiku-4-5\"}\n"
            + "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_" + name + "\",\"model\":"
            + "\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":0,\"cache_creation_input_tokens\":0,"
            + "\"cache_read_input_tokens\":0,\"output_tokens\":" + output + "}}}\n");
    return f;
  }

  private Agent spawn(String name, Role role, long output, int... gpus) throws Exception {
    return team.spawn(AgentSpec.builder(name)
        .role(role)
        .runtime("process")
        .gpus(gpus)
        .command(fakeClaude.toString(), usage(name, output).toString())
        .build());
  }

  private void awaitOutputTokens(long total) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> CostLedger.of(team).refresh().tokens().usage().output() == total);
  }

  private List<Message> budgetMessages(String inbox) {
    return team.inbox().peek(inbox).stream()
        .filter(m -> m.from().equals(Budgets.SENDER))
        .toList();
  }

  @Test
  void warnsTheLeaderOnceStopsEveryAgentAtTheLimitRefusesSpawnsAndGoesOnWhenRaised()
      throws Exception {
    Budgets budgets = Budgets.of(team);
    budgets.set(new Budget(null, null, new BigDecimal("10"), null));
    Agent leader = spawn("lead", Role.LEADER, 0);
    Agent a = spawn("a", Role.WORKER, 1_700_000); // $8.50
    Task t = team.tasks().create("train");
    team.tasks().claim(t.id(), a.id(), Duration.ofHours(1));
    awaitOutputTokens(1_700_000);

    team.checkHealth(Duration.ofHours(1));
    team.checkHealth(Duration.ofHours(1));
    assertThat(budgetMessages(leader.id()))
        .singleElement()
        .extracting(Message::body)
        .isEqualTo("Budget warning for team " + team.id() + ": usd 8.5 of 10 (85.0 %). At 100 %"
            + " every agent of the team is stopped and new agents are refused.");
    assertThat(a.isAlive()).isTrue();

    Agent b = spawn("b", Role.WORKER, 400_000); // $2: $10.50 in all
    awaitOutputTokens(2_100_000);
    team.checkHealth(Duration.ofHours(1)); // the first pass past the limit stops the team

    for (Agent x : List.of(leader, a, b)) {
      assertThat(x.awaitExit(Duration.ofSeconds(20))).isTrue();
      assertThat(x.info().status()).isEqualTo(AgentStatus.STOPPED);
      assertThat(x.info().lifecycleReason()).isEqualTo("budget spent: usd 10.5 of 10 (105.0 %)");
    }
    Task back = team.tasks().get(t.id());
    assertThat(back.state()).isEqualTo(TaskState.PENDING);
    assertThat(back.owner()).isEmpty();
    assertThat(back.metadata()).containsEntry("released_by", "budget");
    ObjectNode file = Json.parseObject(Files.readAllBytes(budgets.file()));
    assertThat(file.path("stop").path("state").asString()).isEqualTo("done");
    assertThat(file.path("stop").path("released_tasks").get(0).asString()).isEqualTo(t.id());
    assertThat(budgetMessages("leader"))
        .singleElement()
        .extracting(Message::body)
        .asString()
        .startsWith("Team " + team.id() + " was stopped: budget spent: usd 10.5 of 10 (105.0 %).");
    assertThat(ns.audit().tail(100, team.id()))
        .extracting(AuditLog.Entry::event)
        .contains("budget.set", "budget.warning", "budget.exceeded", "budget.stop");

    assertThatThrownBy(() -> spawn("c", Role.WORKER, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot spawn agent 'c' in team " + team.id() + ": its budget is spent (usd"
            + " 10.5 of 10 (105.0 %)). Raise or clear the team's budget to go on");
    assertThat(team.agents().find("c")).isEmpty();

    budgets.set(
        budgets.budget().orElseThrow().merge(new Budget(null, null, new BigDecimal("20"), null)));
    Agent c = spawn("c", Role.WORKER, 0);
    team.checkHealth(Duration.ofHours(1));
    assertThat(c.isAlive()).isTrue();
    c.stop(Duration.ofSeconds(2));
  }

  @Test
  void gpuHoursOnTheTeamClockStopTheTeamAtTheFirstPassPastTheLimit() throws Exception {
    Budgets.of(team).set(new Budget(BigDecimal.ONE, null, null, Duration.ofHours(12)));
    Agent a = spawn("trainer", Role.WORKER, 0, 0, 1); // two GPUs
    Duration interval = Duration.ofMinutes(10); // the watch interval on the virtual clock
    for (int i = 0; i < 2; i++) {
      now.updateAndGet(x -> x.plus(interval));
      team.checkHealth(Duration.ofHours(1));
      assertThat(a.isAlive()).as("after %s", interval.multipliedBy(i + 1)).isTrue();
    }
    // 30 minutes × 2 GPUs = 1 GPU-hour: the pass of this interval stops it
    now.updateAndGet(x -> x.plus(interval));
    team.checkHealth(Duration.ofHours(1));
    assertThat(a.awaitExit(Duration.ofSeconds(20))).isTrue();
    assertThat(a.info().lifecycleReason()).isEqualTo("budget spent: gpu_hours 1 of 1 (100.0 %)");
    assertThat(
            ((io.nemospawn.core.internal.FileTeam) team).supervisor().records().leases())
        .isEmpty();
  }

  @Test
  void aStopInterruptedAfterItsJournalEntryIsFinishedByTheNextPass() throws Exception {
    Budgets budgets = Budgets.of(team);
    budgets.set(new Budget(null, 1_000L, null, null));
    Agent a = spawn("a", Role.WORKER, 500);
    awaitOutputTokens(500);
    team.checkHealth(Duration.ofHours(1));
    assertThat(a.isAlive()).isTrue();
    // What a pass that died between its journal entry and the first stop leaves on disk (the
    // limit reached, the entry written, the agents still running).
    ObjectNode n = Json.parseObject(Files.readAllBytes(budgets.file()));
    n.put("tokens", 400);
    ObjectNode stop = n.putObject("stop");
    stop.put("state", "stopping");
    stop.put("reason", "budget spent: tokens 500 of 400 (125.0 %)");
    Files.write(budgets.file(), Json.bytes(n));

    team.checkHealth(Duration.ofHours(1));
    assertThat(a.awaitExit(Duration.ofSeconds(20))).isTrue();
    n = Json.parseObject(Files.readAllBytes(budgets.file()));
    assertThat(n.path("stop").path("state").asString()).isEqualTo("done");
    assertThat(a.info().lifecycleReason()).isEqualTo("budget spent: tokens 500 of 400 (125.0 %)");
  }

  @Test
  void clearingTheBudgetLetsSpawnsThrough() throws Exception {
    Budgets budgets = Budgets.of(team);
    budgets.set(new Budget(null, null, null, Duration.ofMinutes(1)));
    now.updateAndGet(x -> x.plusSeconds(61));
    assertThatThrownBy(() -> spawn("late", Role.WORKER, 0))
        .hasMessageContaining("its budget is spent (wall_seconds 61 of 60 (101.7 %))");
    assertThat(budgets.clear()).isTrue();
    assertThat(budgets.budget()).isEmpty();
    Agent late = spawn("late", Role.WORKER, 0);
    assertThat(late.isAlive()).isTrue();
    late.stop(Duration.ofSeconds(2));
  }
}
