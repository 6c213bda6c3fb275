package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.cli.Cli.Result;
import io.nemospawn.spi.Durability;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code spawn list} and {@code team status} show an exited agent as it is, with no watch run. */
class SpawnListTruthIT {
  @TempDir
  Path dir;

  Path data;
  String team;

  Result cli(String... args) {
    return Cli.execute(data, args);
  }

  @BeforeEach
  void setUp() {
    data = dir.resolve("data");
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open()) {
      team = ns.newTeam("truth").gpus(0, 1).create().id();
    }
  }

  @Test
  void anAgentWhoseProcessExitedIsListedStoppedAndItsGpuIsFree() throws Exception {
    Result spawned = cli(
        "spawn",
        "agent",
        "--team",
        team,
        "--agent-name",
        "quitter",
        "--gpus",
        "1",
        "--runtime",
        "process",
        "--json",
        "--agent-cmd",
        "/bin/sh",
        "--",
        "-c",
        "exit 3");
    assertThat(spawned.code()).as(spawned.err()).isZero();
    long pid = spawned.json().get("pid").asLong();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));

    Result list = cli("spawn", "list", "--team", team, "--json");

    assertThat(list.code()).as(list.err()).isZero();
    JsonNode row = list.json().get(0);
    assertThat(row.get("name").asString()).isEqualTo("quitter");
    assertThat(row.get("status").asString()).isEqualTo("stopped");
    assertThat(row.get("lifecycle").asString()).isEqualTo("dead");
    assertThat(row.get("alive").asBoolean()).isFalse();
    JsonNode file = CliRun.JSON.readTree(data.resolve("teams")
        .resolve(team)
        .resolve("agents")
        .resolve(spawned.json().get("agent_id").asString() + ".json")
        .toFile());
    assertThat(file.get("status").asString()).isEqualTo("stopped");
    assertThat(file.get("exit_code").asInt()).isEqualTo(3);

    Result status = cli("team", "status", team, "--json");
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.json().get("agents").get("dead").asInt()).isEqualTo(1);
    assertThat(status.json().get("agents").get("running").asInt()).isZero();
  }
}
