package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Transport;
import io.nemospawn.cli.Cli.Result;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * NemoSpawn 1.0's command forms of the spawn, workspace, config, hpo, profile, skill, launch,
 * watch and version groups (as {@code nemospawn-1.0-cli.txt} prints them), run through the real
 * CLI against real tmux, git and processes; each asserts the state files it leaves, and where our
 * older form exists too, that both leave the same state.
 */
class NemoSpawn10FormsIT {
  /** The groups this class covers (gpu: GpuCommandIT; slurm forms: SlurmCommandIT). */
  static final List<String> GROUPS = List.of(
      "spawn",
      "workspace",
      "config",
      "hpo",
      "profile",
      "skill",
      "gpu",
      "launch",
      "watch",
      "version",
      "ngc",
      "board",
      "snapshot",
      "schedule",
      "cost",
      "auth",
      "slurm",
      "cluster");

  @TempDir
  Path dir;

  Path data;

  Result cli(String... args) {
    return Cli.execute(data, args);
  }

  static Result raw(String... args) {
    return Cli.execute(args);
  }

  Result ok(String... args) {
    Result r = cli(args);
    assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
    return r;
  }

  String team(String name, int... gpus) {
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(data).durability(Durability.NONE).open()) {
      return ns.newTeam(name).gpus(gpus).create().id();
    }
  }

  /** The agent record of a team, by name, as stored in {@code agents/<id>.json}. */
  JsonNode agentFile(String team, String name) throws Exception {
    try (Stream<Path> s = Files.list(data.resolve("teams").resolve(team).resolve("agents"))) {
      for (Path p : s.filter(f -> f.toString().endsWith(".json")).toList()) {
        JsonNode n = CliRun.JSON.readTree(Files.readString(p));
        if (n.get("name").asString().equals(name)) {
          return n;
        }
      }
    }
    throw new AssertionError("no agent " + name + " in team " + team);
  }

  static String git(Path d, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git", "-C", d.toString()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment()
        .putAll(Map.of(
            "GIT_AUTHOR_NAME",
            "t",
            "GIT_AUTHOR_EMAIL",
            "t@x",
            "GIT_COMMITTER_NAME",
            "t",
            "GIT_COMMITTER_EMAIL",
            "t@x"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor()).as("git " + args[0] + ": " + out).isZero();
    return out;
  }

  @BeforeEach
  void setUp() {
    data = dir.resolve("data");
    System.setProperty("nemospawn.tmux.socket", dir.resolve("tmux.sock").toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    new ProcessBuilder("tmux", "-S", dir.resolve("tmux.sock").toString(), "kill-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
    System.clearProperty("nemospawn.tmux.socket");
  }

  @Test
  void everyCommandOfTheseGroupsAnswersHelp() {
    CommandLine tree = Main.commandLine();
    List<String> checked = new ArrayList<>();
    for (String g : GROUPS) {
      CommandLine group = tree.getSubcommands().get(g);
      List<List<String>> forms = new ArrayList<>();
      if (group.getSubcommands().isEmpty()) {
        forms.add(List.of(g));
      }
      group.getSubcommands().keySet().forEach(s -> forms.add(List.of(g, s)));
      for (List<String> form : forms) {
        for (String h : List.of("--help", "-h")) {
          List<String> args = new ArrayList<>(form);
          args.add(h);
          Result r = raw(args.toArray(String[]::new));
          assertThat(r.code()).as(args + ": " + r.err()).isZero();
          assertThat(r.out())
              .as(args.toString())
              .startsWith("Usage: nemospawn " + String.join(" ", form));
        }
        checked.add(String.join(" ", form));
      }
    }
    // 1.0's commands of these groups, from nemospawn-1.0-cli.txt
    assertThat(checked)
        .contains(
            "snapshot delete",
            "snapshot list",
            "snapshot restore",
            "snapshot save",
            "schedule analyze",
            "schedule apply",
            "schedule auto",
            "schedule suggest",
            "spawn agent",
            "spawn kill",
            "spawn list",
            "workspace checkpoint",
            "workspace cleanup",
            "workspace list",
            "workspace merge",
            "config get",
            "config health",
            "config set",
            "config show",
            "hpo best",
            "hpo dashboard",
            "hpo init",
            "hpo report",
            "hpo suggest",
            "hpo trials",
            "profile create",
            "profile delete",
            "profile doctor",
            "profile list",
            "profile show",
            "profile test",
            "profile wizard",
            "skill install",
            "skill status",
            "skill uninstall",
            "gpu discover",
            "gpu health",
            "gpu reallocate",
            "gpu status",
            "gpu topology",
            "launch run",
            "launch templates",
            "watch start",
            "watch status",
            "version",
            "ngc auth",
            "ngc list",
            "ngc pull",
            "ngc push",
            "ngc push-container",
            "board serve",
            "board attach",
            "board live",
            "cost reset",
            "cost set-rate",
            "cost show",
            "auth audit",
            "auth create-user",
            "auth verify",
            "slurm cancel",
            "slurm generate",
            "slurm status",
            "slurm submit",
            "cluster list",
            "cluster register",
            "cluster status");
  }

  @Test
  void spawnAgentListAndKillIn10FormWithTmux() throws Exception {
    String t = team("t1", 0, 1, 2, 3);
    // 1.0's --agent-cmd names an agent CLI or profile: here a profile running a long sleep
    ok(
        "profile",
        "create",
        "--name",
        "sleeper",
        "--agent",
        "custom",
        "--command",
        "sleep",
        "--arg",
        "300",
        "-d",
        "stands in for an agent CLI");
    Result spawn = ok(
        "spawn",
        "agent",
        "--team",
        t,
        "--agent-name",
        "trainer0",
        "--role",
        "trainer",
        "--gpu",
        "0,1",
        "--task",
        "Train model",
        "--runtime",
        "tmux",
        "--agent-cmd",
        "sleeper",
        "--json");
    JsonNode a = agentFile(t, "trainer0");
    assertThat(a.get("role").asString()).isEqualTo("trainer");
    assertThat(a.get("status").asString()).isEqualTo("running");
    assertThat(a.get("gpu_ids").toString()).isEqualTo("[0,1]");
    assertThat(a.get("tmux_session").asString()).isNotEmpty();
    assertThat(a.get("profile").asString()).isEqualTo("sleeper");
    assertThat(spawn.json().get("runtime").asString()).isEqualTo("tmux");
    long pid = spawn.json().get("pid").asLong();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
    assertThat(ProcessHandle.of(pid).orElseThrow().info().commandLine().orElse(""))
        .contains("sleep");

    JsonNode list = ok("spawn", "list", "--team", t, "--json").json();
    assertThat(list).hasSize(1);
    assertThat(list.get(0).get("name").asString()).isEqualTo("trainer0");
    assertThat(list.get(0).get("alive").asBoolean()).isTrue();

    ok("spawn", "kill", "--team", t, "--agent", "trainer0");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    JsonNode killed = agentFile(t, "trainer0");
    assertThat(killed.get("status").asString()).isNotEqualTo("running");
    // the GPUs are free again: a new agent takes them
    ok(
        "spawn",
        "agent",
        "--team",
        t,
        "--agent-name",
        "trainer1",
        "--gpu",
        "0,1",
        "--runtime",
        "tmux",
        "--agent-cmd",
        "sleeper");
    ok("spawn", "kill", "--team", t, "--agent", "trainer1", "--grace", "2");
  }

  @Test
  void spawnKillOldAndNewFormsLeaveTheSameState() throws Exception {
    List<String> states = new ArrayList<>();
    for (boolean newForm : List.of(true, false)) {
      String t = team(newForm ? "new" : "old", 0, 1);
      ok(
          "spawn",
          "agent",
          "--team",
          t,
          "--agent-name",
          "w",
          "--gpu",
          "1",
          "--runtime",
          "process",
          "--agent-cmd",
          "sleep",
          "--",
          "300");
      if (newForm) {
        ok("spawn", "kill", "--team", t, "--agent", "w", "--grace", "2");
      } else {
        ok("spawn", "kill", "w", "--team", t, "--grace", "2");
      }
      JsonNode a = agentFile(t, "w");
      states.add(a.get("status").asString() + " " + a.get("gpu_ids") + " "
          + a.get("lifecycle").get("state").asString());
    }
    assertThat(states.get(0)).isEqualTo(states.get(1));
    Result both = cli("spawn", "kill", "w", "--agent", "x", "--team", "new");
    assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(both.err()).contains("Two agents given: AGENT 'w' and --agent 'x'; give one");
    Result none = cli("spawn", "kill", "--team", "new");
    assertThat(none.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err()).contains("Missing agent: give AGENT or --agent AGENT");
  }

  @Test
  void spawnWithRemoteToAnUnknownHostFailsClearlyAndRunsNothing() throws Exception {
    String t = team("t1", 0);
    Result r = cli(
        "spawn",
        "agent",
        "--team",
        t,
        "--agent-name",
        "far",
        "--remote",
        "gpu@node7.invalid",
        "--agent-cmd",
        "sleep",
        "--",
        "1");
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("Cannot spawn agent 'far' on gpu@node7.invalid");
    Result hostile = cli(
        "spawn",
        "agent",
        "--team",
        t,
        "--agent-name",
        "evil",
        "--remote",
        "root@h$(id)",
        "--agent-cmd",
        "sleep",
        "--",
        "1");
    assertThat(hostile.code()).isNotZero();
    assertThat(hostile.err()).contains("Invalid host 'h$(id)'");
    Path agents = data.resolve("teams").resolve(t).resolve("agents");
    if (Files.exists(agents)) {
      try (Stream<Path> s = Files.list(agents)) {
        for (Path f : s.filter(f -> f.toString().endsWith(".json")).toList()) {
          assertThat(Files.readString(f)).doesNotContain("\"status\":\"running\"");
        }
      }
    }
  }

  @Test
  void workspaceCheckpointListMergeCleanupIn10FormAndOurs() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    git(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("train.py"), "lr = 1e-3\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "init");
    String t = team("ws");
    for (String name : List.of("a1", "a2")) {
      ok(
          "spawn",
          "agent",
          "--team",
          t,
          "--agent-name",
          name,
          "--runtime",
          "process",
          "--repo",
          repo.toString(),
          "--agent-cmd",
          "/bin/sh",
          "--",
          "-c",
          "echo " + name + " > " + name + ".txt");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      JsonNode l = ok("workspace", "list", "--team", t, "--json").json();
      return l.size() == 2
          && l.get(0).get("dirty").asBoolean()
          && l.get(1).get("dirty").asBoolean();
    });
    // a1 in NemoSpawn 1.0's form, a2 in ours
    ok("workspace", "checkpoint", "--team", t, "--agent", "a1", "-m", "a1 results");
    ok("workspace", "checkpoint", "a2", "--team", t, "-m", "a2 results");
    assertThat(git(repo, "log", "-1", "--format=%s", "nemospawn/" + t + "/a1"))
        .isEqualTo("a1 results");
    assertThat(git(repo, "log", "-1", "--format=%s", "nemospawn/" + t + "/a2"))
        .isEqualTo("a2 results");
    ok("workspace", "merge", "--team", t, "--agent", "a1", "--target", "main");
    ok("workspace", "merge", "a2", "--team", t, "--target", "main");
    assertThat(repo.resolve("a1.txt")).hasContent("a1");
    assertThat(repo.resolve("a2.txt")).hasContent("a2");
    JsonNode before = ok("workspace", "list", "--team", t, "--json").json();
    Path w1 = Path.of(before.get(0).get("path").asString());
    Path w2 = Path.of(before.get(1).get("path").asString());
    ok("workspace", "cleanup", "--team", t, "--agent", "a1");
    ok("workspace", "cleanup", "a2", "--team", t);
    assertThat(w1).doesNotExist();
    assertThat(w2).doesNotExist();
    assertThat(git(repo, "worktree", "list")).doesNotContain(w1.toString(), w2.toString());
  }

  @Test
  void configSetGetShowHealthTakeNemoSpawn10Words() throws Exception {
    Result set = ok("config", "set", "transport", "zeromq");
    assertThat(set.out()).isEqualTo("transport = zeromq\n");
    JsonNode file = CliRun.JSON.readTree(Files.readString(data.resolve("config.json")));
    assertThat(file.get("transport").asString()).isEqualTo("zeromq");
    assertThat(ok("config", "get", "transport").out()).isEqualTo("zeromq\n");
    assertThat(Transport.parse(file.get("transport").asString())).isEqualTo(Transport.zmq());

    ok("config", "set", "transport", "nixl");
    file = CliRun.JSON.readTree(Files.readString(data.resolve("config.json")));
    assertThat(Transport.parse(file.get("transport").asString()))
        .isEqualTo(Transport.sharedMemory());
    ok("config", "set", "transport", "file");
    ok("config", "set", "watch_interval", "60");
    JsonNode show = ok("config", "show", "--json").json();
    List<String> rows = new ArrayList<>();
    show.forEach(n -> rows.add(n.get("key").asString() + "=" + n.get("value").asString() + "/"
        + n.get("source").asString()));
    assertThat(rows).contains("transport=file/file", "watch_interval=60/file");
    assertThat(ok("config", "health").out()).contains("config valid");

    Result bad = cli("config", "set", "transport", "carrier-pigeon");
    assertThat(bad.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(bad.err()).contains("Invalid transport 'carrier-pigeon'", "zeromq", "nixl");
    file = CliRun.JSON.readTree(Files.readString(data.resolve("config.json")));
    assertThat(file.get("transport").asString()).isEqualTo("file");
  }

  @Test
  void hpoInitFromTheAutoresearchTemplateUsesItsSearchSpace() throws Exception {
    // Defect 2 of issue 11: this answered that templates "do not exist yet"
    Result init = ok("hpo", "init", "--study", "s", "--template", "autoresearch");
    assertThat(init.out()).contains("Search space from template autoresearch.");
    try (Study s = Hpo.open(data, "s")) {
      HpoConfig c = Hpo.config(s).orElseThrow();
      assertThat(c.space().params().keySet())
          .containsExactly("lr", "hidden", "weight_decay", "batch_size");
      assertThat(c.maxTrials()).isEqualTo(30);
      assertThat(c.minStepsBeforePrune()).isEqualTo(4);
    }
    JsonNode sug = ok("hpo", "suggest", "--study", "s", "--json").json();
    assertThat(sug.get("trial_id").asInt()).isZero();
    double lr = sug.get("lr").asDouble();
    assertThat(lr).isBetween(1e-3, 3.0);
    assertThat(sug.get("params").get("lr").asDouble()).isEqualTo(lr);

    Result none = cli("hpo", "init", "--study", "n", "--template", "nim-deploy");
    assertThat(none.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(none.err()).contains("Template 'nim-deploy'", "no [hpo] section", "autoresearch");
    assertThat(data.resolve("hpo/n.db")).doesNotExist();
  }

  @Test
  void hpoInitWithoutSpaceUsesNemoSpawn10sDefaultAndReportStepFinalCompletes() throws Exception {
    ok("hpo", "init", "--study", "d");
    try (Study s = Hpo.open(data, "d")) {
      assertThat(Hpo.config(s).orElseThrow().space().params().keySet())
          .containsExactly("lr", "batch_size");
    }
    // the same trials reported in 1.0's form (--step final) and ours (--final)
    for (int i = 0; i < 2; i++) {
      ok("hpo", "suggest", "--study", "d");
      ok(
          "hpo",
          "report",
          "--study",
          "d",
          "--trial",
          Integer.toString(i),
          "--step",
          "100",
          "--val-loss",
          "0.5");
    }
    ok("hpo", "report", "--study", "d", "--trial", "0", "--step", "final", "--val-loss", "0.25");
    ok("hpo", "report", "--study", "d", "--trial", "1", "--final", "--val-loss", "0.25");
    try (Study s = Hpo.open(data, "d")) {
      FrozenTrial t0 = s.trial(0);
      FrozenTrial t1 = s.trial(1);
      assertThat(t0.state()).isEqualTo(TrialState.COMPLETE).isEqualTo(t1.state());
      assertThat(t0.value()).isEqualTo(t1.value());
      assertThat(t0.lastStep()).isEqualTo(t1.lastStep());
    }
    assertThat(ok("hpo", "best", "--study", "d").out()).startsWith("trial 0 value=0.25");
    assertThat(ok("hpo", "trials", "--study", "d").out()).contains("COMPLETE");
    Result bad =
        cli("hpo", "report", "--study", "d", "--trial", "0", "--step", "last", "--val-loss", "1");
    assertThat(bad.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("Invalid --step 'last'");
    assertThat(CommandLineHelp.of("hpo", "dashboard")).contains("default: 8081");
  }

  @Test
  void profileCreateIn10FormWritesTheSameFileAsOurs() throws Exception {
    ok(
        "profile",
        "create",
        "--name",
        "my-kimi",
        "--agent",
        "kimi",
        "--model",
        "moonshot-v1",
        "--auth-env",
        "MOONSHOT_API_KEY",
        "-d",
        "Kimi K2");
    ok(
        "profile",
        "create",
        "our-kimi",
        "--agent",
        "kimi",
        "--model",
        "moonshot-v1",
        "--auth-env",
        "MOONSHOT_API_KEY",
        "--description",
        "Kimi K2");
    String a = Files.readString(data.resolve("profiles/my-kimi.json"));
    String b = Files.readString(data.resolve("profiles/our-kimi.json"));
    assertThat(a).contains("\"model\": \"moonshot-v1\"", "\"auth_env\": \"MOONSHOT_API_KEY\"");
    assertThat(a.replace("my-kimi", "X")).isEqualTo(b.replace("our-kimi", "X"));
    // --agent defaults to claude as in 1.0; 1.0's copilot is our github-copilot-cli
    ok("profile", "create", "--name", "plain");
    assertThat(Files.readString(data.resolve("profiles/plain.json")))
        .contains("\"agent\": \"claude\"");
    ok("profile", "create", "--name", "pilot", "--agent", "copilot");
    assertThat(ok("profile", "show", "pilot", "--json").json().get("agent").asString())
        .isEqualTo("copilot");
    assertThat(cli("profile", "doctor", "pilot").out()).contains("'copilot'");
    Result doctor = cli("profile", "doctor", "my-kimi");
    assertThat(doctor.out()).contains("MOONSHOT_API_KEY");
    assertThat(ok("profile", "list").out()).contains("my-kimi", "plain", "pilot");
    ok("profile", "delete", "my-kimi");
    assertThat(data.resolve("profiles/my-kimi.json")).doesNotExist();
    Result missing = cli("profile", "create", "--agent", "kimi");
    assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("Missing profile name: give NAME or --name NAME");
  }

  @Test
  void skillInstallStatusUninstallWithNemoSpawn10Defaults() throws Exception {
    Path home = dir.resolve("home");
    String h = home.toString();
    assertThat(raw("skill", "install", "--home", h).code()).isZero();
    assertThat(home.resolve(".claude/skills/nemospawn/SKILL.md")).exists();
    assertThat(home.resolve(".agents/skills/nemospawn/SKILL.md")).doesNotExist();
    assertThat(raw("skill", "install", "-t", "codex", "--home", h).code()).isZero();
    assertThat(home.resolve(".agents/skills/nemospawn/SKILL.md")).exists();
    assertThat(raw("skill", "status", "--home", h).out())
        .contains("claude  installed", "codex   installed");
    assertThat(raw("skill", "uninstall", "--home", h).code()).isZero();
    assertThat(home.resolve(".claude/skills/nemospawn")).doesNotExist();
    assertThat(home.resolve(".agents/skills/nemospawn")).doesNotExist();
  }

  @Test
  void launchTemplatesAndDryRunIn10Form() throws Exception {
    JsonNode all = ok("launch", "templates", "--json").json();
    List<String> names = new ArrayList<>();
    all.forEach(n -> names.add(n.get("name").asString()));
    assertThat(names).contains("autoresearch", "nim-deploy", "rlhf-swarm", "data-curation");
    JsonNode plan = ok(
            "launch",
            "run",
            "autoresearch",
            "--gpus",
            "0,1,2,3",
            "--goal",
            "Fine-tune Llama-3-8B on medical QA",
            "--runtime",
            "tmux",
            "--dry-run",
            "--json")
        .json();
    assertThat(plan.get("goal").asString()).isEqualTo("Fine-tune Llama-3-8B on medical QA");
    plan.get("agents").forEach(a -> assertThat(a.get("runtime").asString()).isEqualTo("tmux"));
    assertThat(data.resolve("teams"))
        .satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  @Test
  void watchStatusAndStartIn10FormMarkADeadAgent() throws Exception {
    String t = team("w", 0);
    ok(
        "spawn",
        "agent",
        "--team",
        t,
        "--agent-name",
        "quick",
        "--gpu",
        "0",
        "--runtime",
        "process",
        "--agent-cmd",
        "true");
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      cli("watch", "status", "--team", t);
      return !agentFile(t, "quick").get("status").asString().equals("running");
    });
    Result start = ok("watch", "start", "--team", t, "--interval", "1", "--passes", "2", "--json");
    assertThat(start.out()).contains("\"unhealthy\"");
    // its GPU is free again
    ok(
        "spawn",
        "agent",
        "--team",
        t,
        "--agent-name",
        "next",
        "--gpu",
        "0",
        "--runtime",
        "process",
        "--agent-cmd",
        "true");
  }

  @Test
  void versionPrintsTheVersion() {
    Result r = raw("version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("nemospawn " + VersionCommand.version());
  }

  /** The usage text of a command. */
  static final class CommandLineHelp {
    static String of(String... command) {
      Result r = raw(Stream.concat(Stream.of(command), Stream.of("--help")).toArray(String[]::new));
      return r.out();
    }
  }
}
