package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.cli.Cli.Result;
import io.nemospawn.spi.Durability;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The spawn, watch and profile commands, run in this JVM against real processes. */
class SpawnCommandsIT {
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
      team = ns.newTeam("cli").gpus(0, 1, 2, 3).create().id();
    }
  }

  @Test
  void spawnListWatchAndKillThroughTheCli() {
    Result w1 = cli(
        "spawn",
        "agent",
        "--team",
        team,
        "--agent-name",
        "w1",
        "--gpu",
        "1",
        "--task",
        "say \"hi\"; $(id)",
        "--runtime",
        "process",
        "--json",
        "--agent-cmd",
        "/bin/sh",
        "--",
        "-c",
        "sleep 300 & wait");
    assertThat(w1.code()).as(w1.err()).isZero();
    JsonNode j = w1.json();
    assertThat(j.get("gpu_ids").toString()).isEqualTo("[1]");
    long pid = j.get("pid").asLong();
    assertThat(ProcessHandle.of(pid)).isPresent();

    Result clash = cli(
        "spawn",
        "agent",
        "--team",
        team,
        "--agent-name",
        "w2",
        "--gpu",
        "1",
        "--runtime",
        "process",
        "--agent-cmd",
        "true");
    assertThat(clash.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(clash.err().strip())
        .isEqualTo(
            "Error: Cannot spawn agent 'w2' on GPU 1: GPU 1 is leased by 'w1'. Free GPUs: [0, 2, 3].");

    Result w2 = cli(
        "spawn",
        "agent",
        "--team",
        team,
        "--agent-name",
        "w2",
        "--gpus",
        "2",
        "--runtime",
        "process",
        "--json",
        "--agent-cmd",
        "sleep",
        "--",
        "300");
    assertThat(w2.code()).as(w2.err()).isZero();
    assertThat(w2.json().get("gpu_ids").toString()).isEqualTo("[0,2]");

    Result both = cli(
        "spawn",
        "agent",
        "--team",
        team,
        "--agent-name",
        "w3",
        "--gpu",
        "0",
        "--gpus",
        "1",
        "--agent-cmd",
        "true");
    assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(both.err()).contains("mutually exclusive");

    Result list = cli("spawn", "list", "--team", team, "--json");
    assertThat(list.json()).hasSize(2);
    assertThat(list.json().get(0).get("alive").asBoolean()).isTrue();

    Result health = cli("watch", "status", "--team", team, "--json");
    assertThat(health.code()).isZero();
    assertThat(health.json().get("healthy").asInt()).isEqualTo(2);

    Result kill = cli("spawn", "kill", "w1", "--team", team, "--grace", "2");
    assertThat(kill.code()).as(kill.err()).isZero();
    assertThat(kill.out()).startsWith("Stopped w1 (");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() ->
            ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive());
    Result again = cli(
        "spawn",
        "agent",
        "--team",
        team,
        "--agent-name",
        "w4",
        "--gpu",
        "1",
        "--runtime",
        "process",
        "--agent-cmd",
        "true");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(cli("spawn", "kill", "w2", "--team", team, "--grace", "2").code())
        .isZero();
  }

  @Test
  void profilesCreateShowDoctorTestAndDelete() throws Exception {
    Path fake = dir.resolve("fake-agent");
    Files.writeString(
        fake,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo fake-agent 1.2.3;"
            + " exit 0; fi\nprintf 'started with %s\\n' \"$*\"\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    Result create = cli(
        "profile",
        "create",
        "mine",
        "--agent",
        "custom",
        "--command",
        fake.toString(),
        "--arg",
        "--prompt-file={prompt_file}",
        "--arg",
        "{task}",
        "--description",
        "a fake agent");
    assertThat(create.code()).as(create.err()).isZero();
    assertThat(Files.readString(data.resolve("profiles/mine.json")))
        .contains("\"agent\": \"custom\"")
        .contains("\"auth_env\": \"\"")
        .contains("\"args\": [");
    Result dup = cli("profile", "create", "mine", "--agent", "custom", "--command", "x");
    assertThat(dup.err()).contains("Profile 'mine' exists already");
    assertThat(cli("profile", "show", "mine", "--json").json().get("command").asString())
        .isEqualTo(fake.toString());
    assertThat(cli("profile", "list").out()).contains("mine", "claude", "github-copilot-cli");
    Result doctor = cli("profile", "doctor", "mine");
    assertThat(doctor.code()).as(doctor.out()).isZero();
    assertThat(doctor.out()).contains("fake-agent 1.2.3");
    Result claude = cli("profile", "doctor", "claude");
    assertThat(claude.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(claude.out()).contains("command 'claude' found", "not on PATH");
    Result test = cli("profile", "test", "mine", "--timeout", "20");
    assertThat(test.code()).as(test.out() + test.err()).isZero();
    assertThat(test.out()).contains("exited with code 0 — OK", "started with --prompt-file=");
    assertThat(cli("profile", "delete", "mine").code()).isZero();
    assertThat(cli("profile", "show", "mine").err()).contains("No profile 'mine'");
  }

  @Test
  void wizardAsksOnStandardInput() {
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream("wiz\naider\n\nsonnet\n\nANTHROPIC_API_KEY\nmy aider\n"
          .getBytes(StandardCharsets.UTF_8)));
      Result r = cli("profile", "wizard");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("Agent CLI [claude, codex", "Created profile wiz (aider)");
    } finally {
      System.setIn(saved);
    }
    JsonNode p = cli("profile", "show", "wiz", "--json").json();
    assertThat(p.get("command").asString()).isEqualTo("aider");
    assertThat(p.get("model").asString()).isEqualTo("sonnet");
    assertThat(p.get("auth_env").asString()).isEqualTo("ANTHROPIC_API_KEY");
  }
}
