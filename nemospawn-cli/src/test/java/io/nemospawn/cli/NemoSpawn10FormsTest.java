package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every command form of NemoSpawn 1.0's task, team, inbox, plan, lifecycle and artifact groups
 * ({@code shared/reference/nemospawn-1.0-cli.txt}), typed as its documentation prints it, run
 * through the CLI in this JVM; each test checks the state files the command leaves.
 */
class NemoSpawn10FormsTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path dir;

  Cli cli;
  String t1;
  String trainer0;
  String worker0;

  @BeforeEach
  void createTeamWithTwoAgents() {
    cli = new Cli(dir);
    t1 = cli.id("team", "create", "t1", "-d", "lr sweep");
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t = ns.team(t1)) {
      trainer0 = t.agents().register("trainer0", "worker", List.of(), "").id();
      worker0 = t.agents().register("worker0", "worker", List.of(), "").id();
    }
  }

  Cli.Result ok(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
    return r;
  }

  Path teamDir() {
    return dir.resolve("teams").resolve(t1);
  }

  static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JSON records of one of the team's subdirectories, such as tasks. */
  List<JsonNode> records(String sub) {
    if (!Files.isDirectory(teamDir().resolve(sub))) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(teamDir().resolve(sub))) {
      return s.filter(p -> p.toString().endsWith(".json"))
          .sorted()
          .map(f -> read(f))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonNode only(String sub) {
    List<JsonNode> all = records(sub);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  JsonNode record(String sub, String id) {
    return read(teamDir().resolve(sub).resolve(id + ".json"));
  }

  String createTask(String... extra) {
    return cli.id(
        Stream.concat(Stream.of("task", "create", t1), Stream.of(extra)).toArray(String[]::new));
  }

  // ---------------------------------------------------------------- task

  @Test
  void taskCreateTeamIdTitleWithOwnerArtifactValLossAndBlockedBy() {
    String prep = createTask("Prepare data");
    ok(
        "task",
        "create",
        t1,
        "Train model",
        "--owner",
        "trainer0",
        "--artifact",
        "nemo-checkpoint",
        "--val-loss",
        "0.9",
        "--blocked-by",
        prep);
    JsonNode train = records("tasks").stream()
        .filter(n -> n.get("title").asString().equals("Train model"))
        .findFirst()
        .orElseThrow();
    assertThat(train.get("team_id").asString()).isEqualTo(t1);
    assertThat(train.get("agent_id").asString()).isEqualTo("trainer0");
    assertThat(train.get("status").asString()).isEqualTo("blocked");
    assertThat(train.get("blocked_by").get(0).asString()).isEqualTo(prep);
    assertThat(train.get("metadata").get("artifact_type").asString()).isEqualTo("nemo-checkpoint");
    assertThat(train.get("metadata").get("val_loss").asDouble()).isEqualTo(0.9);
    assertThat(record("tasks", prep).get("status").asString()).isEqualTo("pending");
  }

  @Test
  void taskCreateShortOwnerOption() {
    ok("task", "create", t1, "Evaluate", "-o", "worker0");
    assertThat(only("tasks").get("agent_id").asString()).isEqualTo("worker0");
    assertThat(only("tasks").get("title").asString()).isEqualTo("Evaluate");
  }

  @Test
  void taskCreateRejectsAnUnknownArtifactTypeAndWritesNothing() {
    Cli.Result r = cli.run("task", "create", t1, "Train", "--artifact", "model");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .startsWith("Invalid --artifact: Unknown artifact type 'model'; use one of"
            + " nemo-checkpoint, lora-adapter,");
    assertThat(records("tasks")).isEmpty();
  }

  @Test
  void taskListTeamIdWithStatusAndAgentFilters() {
    String a = createTask("Train model", "--owner", "trainer0");
    String b = createTask("Evaluate", "--owner", "worker0");
    ok("task", "update", t1, a, "--status", "in_progress");
    Cli.Result r = ok("task", "list", t1, "--agent", "trainer0");
    assertThat(r.out()).contains(a).doesNotContain(b);
    Cli.Result running = ok("task", "list", t1, "--status", "in_progress", "--json");
    JsonNode tasks = JSON.readTree(running.out()).get("tasks");
    assertThat(tasks).hasSize(1);
    assertThat(tasks.get(0).get("task_id").asString()).isEqualTo(a);
    assertThat(record("tasks", a).get("status").asString()).isEqualTo("running");
  }

  @Test
  void taskShowTeamIdTaskId() {
    String a = createTask("Train model", "--val-loss", "0.5");
    Cli.Result r = ok("task", "show", t1, a, "--json");
    assertThat(JSON.readTree(r.out()).get("title").asString()).isEqualTo("Train model");
    assertThat(record("tasks", a).get("metadata").get("val_loss").asDouble()).isEqualTo(0.5);
  }

  @Test
  void taskUpdateTeamIdTaskIdWithStatusValLossAndOwner() {
    String prep = createTask("Prepare data");
    String train = createTask("Train model", "--blocked-by", prep);
    ok("task", "update", t1, prep, "--status", "completed", "--val-loss", "0.042", "-o", "worker0");
    JsonNode p = record("tasks", prep);
    assertThat(p.get("status").asString()).isEqualTo("done");
    assertThat(p.get("agent_id").asString()).isEqualTo("worker0");
    assertThat(p.get("metadata").get("val_loss").asDouble()).isEqualTo(0.042);
    assertThat(record("tasks", train).get("status").asString()).isEqualTo("pending");
    ok("task", "update", t1, train, "--owner", "trainer0");
    assertThat(record("tasks", train).get("agent_id").asString()).isEqualTo("trainer0");
  }

  @Test
  void taskUpdateRejectsAStatusOutsideTheStateMachineAndKeepsTheTask() {
    String a = createTask("Train model");
    Cli.Result r = cli.run("task", "update", t1, a, "--status", "banana");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .startsWith("Unknown task status 'banana'; use one of pending, blocked, running, done,"
            + " failed, cancelled");
    assertThat(record("tasks", a).get("status").asString()).isEqualTo("pending");
  }

  @Test
  void taskWaitTeamIdTaskIdWithTimeout() {
    String a = createTask("Train model");
    ok("task", "update", t1, a, "--status", "done");
    Cli.Result r = ok("task", "wait", t1, a, "--timeout", "5");
    assertThat(r.out()).isEqualTo(a + " done\n");
    String b = createTask("Evaluate");
    Cli.Result late = cli.run("task", "wait", t1, b, "--timeout", "0");
    assertThat(late.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(late.err()).contains(b + " (pending)");
    // Ours: several tasks, the team from --team, as before.
    assertThat(ok("task", "wait", a, "--team", t1).out()).isEqualTo(a + " done\n");
  }

  // ---------------------------------------------------------------- team

  @Test
  void teamCreateNameWithDescriptionAndGpus() {
    Cli.Result r = ok("team", "create", "llama", "--description", "llama sweep", "--gpus", "0,1");
    String id = r.out().lines().findFirst().orElseThrow().split(" ")[2];
    JsonNode team = read(dir.resolve("teams").resolve(id).resolve("team.json"));
    assertThat(team.get("name").asString()).isEqualTo("llama");
    assertThat(team.get("description").asString()).isEqualTo("llama sweep");
    assertThat(team.get("gpu_ids").toString()).isEqualTo("[0,1]");
    assertThat(id).matches("llama-[0-9a-f]{8}");
  }

  @Test
  void teamList() {
    Cli.Result r = ok("team", "list", "--json");
    assertThat(JSON.readTree(r.out()).get("teams").get(0).get("team_id").asString())
        .isEqualTo(t1);
  }

  @Test
  void teamStatusTeamId() {
    createTask("Train model");
    Cli.Result r = ok("team", "status", t1, "--json");
    JsonNode s = JSON.readTree(r.out());
    assertThat(s.get("team").get("team_id").asString()).isEqualTo(t1);
    assertThat(s.get("tasks").get("pending").asInt()).isEqualTo(1);
    assertThat(s.get("agents").get("running").asInt()).isEqualTo(2);
  }

  @Test
  void teamTopologyTeamIdPrintsTheMatrixAndIslandsTeamJsonRecords() {
    String id;
    try (NemoSpawn ns =
            NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
        Team t =
            ns.newTeam("dgx").gpus(0, 1, 2).topology(GpuTopology.uniform(4)).create()) {
      id = t.id();
    }
    JsonNode recorded = read(dir.resolve("teams").resolve(id).resolve("team.json"));
    assertThat(recorded.get("topology").get("0").get("1").asString()).isEqualTo("NV12");
    Cli.Result r = ok("team", "topology", id);
    assertThat(r.out())
        .startsWith("Team " + id + " (dgx), GPUs 0,1,2\n")
        .contains("GPU0  X     NV12  NV12")
        .contains("NVLink island [0, 1, 2]: fully connected")
        .doesNotContain("GPU3");
    JsonNode json = JSON.readTree(ok("team", "topology", id, "--json").out());
    assertThat(json.get("team_id").asString()).isEqualTo(id);
    assertThat(json.get("nvlink_islands").toString()).isEqualTo("[[0,1,2]]");
    assertThat(json.get("topology").get("2").get("0").asString()).isEqualTo("NV12");
  }

  @Test
  void teamTopologyOfATeamWithoutGpusSaysSo() {
    Cli.Result r = ok("team", "topology", "--team", t1);
    assertThat(r.out()).isEqualTo("Team " + t1 + " (t1), GPUs -\nNo GPUs.\n");
  }

  @Test
  void teamTopologyOfAMalformedRecordFailsNamingTheFile() throws IOException {
    Path file = teamDir().resolve("team.json");
    ObjectNode team = (ObjectNode) read(file);
    team.putObject("topology").putObject("0").put("x", "NV4");
    Files.writeString(file, team.toString());
    Cli.Result r = cli.run("team", "topology", t1);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err())
        .startsWith("Error: The GPU topology in " + file + " cannot be read: Topology key 'x' is"
            + " not a GPU index");
  }

  @Test
  void aPositionalTeamAndADifferentTeamOptionIsAUsageErrorThatWritesNothing() {
    Cli.Result r = cli.run("task", "create", t1, "Train model", "--team", "other");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .startsWith("Two teams given: TEAM_ID '" + t1 + "' and --team 'other'; give one");
    Cli.Result same = cli.run("task", "create", t1, "Train model", "--team", t1);
    assertThat(same.code()).isZero();
    assertThat(records("tasks")).hasSize(1);
  }

  // ---------------------------------------------------------------- inbox

  List<JsonNode> inboxOf(String agentId) {
    return records("inbox/" + agentId);
  }

  @Test
  void inboxSendTeamIdToBodyFrom() {
    ok("inbox", "send", t1, "worker0", "Best lr=2e-4", "--from", "leader");
    JsonNode m = inboxOf(worker0).get(0);
    assertThat(m.get("from_agent").asString()).isEqualTo("leader");
    assertThat(m.get("body").asString()).isEqualTo("Best lr=2e-4");
    assertThat(m.get("team_id").asString()).isEqualTo(t1);
    assertThat(m.get("read").asBoolean()).isFalse();
  }

  @Test
  void inboxBroadcastTeamIdBodyFrom() {
    ok("inbox", "broadcast", t1, "Checkpoint at step 1000", "--from", "trainer0");
    assertThat(inboxOf(worker0)).singleElement().satisfies(m -> {
      assertThat(m.get("body").asString()).isEqualTo("Checkpoint at step 1000");
      assertThat(m.get("from_agent").asString()).isEqualTo(trainer0);
    });
    assertThat(Files.exists(teamDir().resolve("inbox").resolve(trainer0))
            && !inboxOf(trainer0).isEmpty())
        .as("the sender gets no copy")
        .isFalse();
  }

  @Test
  void inboxReceiveTeamIdAgentIdMarksReadAndAllShowsReadOnes() {
    ok("inbox", "send", t1, "worker0", "first", "--from", "leader");
    Cli.Result r = ok("inbox", "receive", t1, "worker0", "--json");
    assertThat(JSON.readTree(r.out()).get("messages").get(0).get("body").asString())
        .isEqualTo("first");
    assertThat(inboxOf(worker0).get(0).get("read").asBoolean()).isTrue();
    ok("inbox", "send", t1, worker0, "second", "--from", "leader");
    Cli.Result again = ok("inbox", "receive", t1, "worker0", "--all", "--json");
    JsonNode all = JSON.readTree(again.out()).get("messages");
    assertThat(all).hasSize(2);
    assertThat(all.get(0).get("body").asString()).isEqualTo("first");
    assertThat(all.get(1).get("body").asString()).isEqualTo("second");
    assertThat(inboxOf(worker0))
        .allSatisfy(m -> assertThat(m.get("read").asBoolean()).isTrue());
    assertThat(ok("inbox", "receive", t1, "worker0").out()).isEqualTo("No unread messages.\n");
  }

  // ---------------------------------------------------------------- plan

  String submitPlan() {
    Cli.Result r = ok(
        "plan",
        "submit",
        "--team",
        t1,
        "--agent",
        "worker0",
        "--title",
        "Tune lr",
        "-d",
        "Sweep the learning rate",
        "--steps",
        "warm up, sweep 1e-4..1e-3,pick best");
    return r.out().split(" ")[2];
  }

  @Test
  void planSubmitTeamAgentTitleDescriptionSteps() {
    String id = submitPlan();
    JsonNode p = record("plans", id);
    assertThat(p.get("agent_id").asString()).isEqualTo(worker0);
    assertThat(p.get("title").asString()).isEqualTo("Tune lr");
    assertThat(p.get("description").asString()).isEqualTo("Sweep the learning rate");
    assertThat(p.get("steps").toString())
        .isEqualTo("[\"warm up\",\"sweep 1e-4..1e-3\",\"pick best\"]");
    assertThat(p.get("status").asString()).isEqualTo("pending");
  }

  @Test
  void planApproveTeamPlanReviewerComment() {
    String id = submitPlan();
    ok("plan", "approve", "--team", t1, "--plan", id, "--reviewer", "leader", "--comment", "LGTM");
    JsonNode p = record("plans", id);
    assertThat(p.get("status").asString()).isEqualTo("approved");
    assertThat(p.get("reviewer").asString()).isEqualTo("leader");
    assertThat(p.get("review_comment").asString()).isEqualTo("LGTM");
    assertThat(p.get("reviewed_at").asString()).isNotEmpty();
  }

  @Test
  void planRejectTeamPlanReviewerComment() {
    String id = submitPlan();
    ok(
        "plan",
        "reject",
        "--team",
        t1,
        "--plan",
        id,
        "--reviewer",
        "leader",
        "--comment",
        "Too broad");
    JsonNode p = record("plans", id);
    assertThat(p.get("status").asString()).isEqualTo("rejected");
    assertThat(p.get("review_comment").asString()).isEqualTo("Too broad");
    // Ours, where 1.0 is wrong: a reviewed plan cannot be reviewed again.
    Cli.Result again = cli.run("plan", "approve", "--team", t1, "--plan", id);
    assertThat(again.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(record("plans", id).get("status").asString()).isEqualTo("rejected");
  }

  @Test
  void planShowTeamPlan() {
    String id = submitPlan();
    Cli.Result r = ok("plan", "show", "--team", t1, "--plan", id, "--json");
    assertThat(JSON.readTree(r.out()).get("steps")).hasSize(3);
    Cli.Result two = cli.run("plan", "show", "plan-00000000", "--team", t1, "--plan", id);
    assertThat(two.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(two.err())
        .startsWith("Two plans given: PLAN_ID 'plan-00000000' and --plan '" + id + "'; give one");
  }

  @Test
  void planListTeamStatusAgent() {
    String mine = submitPlan();
    ok("plan", "submit", "--team", t1, "--agent", "trainer0", "--title", "Bigger batch");
    ok("plan", "approve", "--team", t1, "--plan", mine);
    JsonNode byAgent = JSON.readTree(
        ok("plan", "list", "--team", t1, "--agent", "worker0", "--json").out());
    assertThat(byAgent.get("plans")).hasSize(1);
    assertThat(byAgent.get("plans").get(0).get("plan_id").asString()).isEqualTo(mine);
    JsonNode pending = JSON.readTree(
        ok("plan", "list", "--team", t1, "--status", "pending", "--json").out());
    assertThat(pending.get("plans"))
        .singleElement()
        .satisfies(p -> assertThat(p.get("title").asString()).isEqualTo("Bigger batch"));
    assertThat(records("plans")).hasSize(2);
  }

  // ---------------------------------------------------------------- lifecycle

  JsonNode lifecycleOf(String agentId) {
    return record("agents", agentId).get("lifecycle");
  }

  @Test
  void lifecycleIdleTeamAgentReason() {
    ok("lifecycle", "idle", "--team", t1, "--agent", "worker0", "--reason", "queue empty");
    assertThat(lifecycleOf(worker0).get("state").asString()).isEqualTo("idle");
    assertThat(lifecycleOf(worker0).get("reason").asString()).isEqualTo("queue empty");
  }

  @Test
  void lifecycleIdleListTeam() {
    ok("lifecycle", "idle", "--team", t1, "--agent", "worker0");
    JsonNode idle =
        JSON.readTree(ok("lifecycle", "idle-list", "--team", t1, "--json").out());
    assertThat(idle.get("idle"))
        .singleElement()
        .satisfies(a -> assertThat(a.get("agent_id").asString()).isEqualTo(worker0));
  }

  @Test
  void lifecycleShutdownRequestTeamAgentByReasonRecordsWhoAsked() throws IOException {
    ok(
        "lifecycle",
        "shutdown-request",
        "--team",
        t1,
        "--agent",
        "worker0",
        "--by",
        "leader",
        "--reason",
        "sweep finished");
    assertThat(lifecycleOf(worker0).get("state").asString()).isEqualTo("shutdown_requested");
    assertThat(lifecycleOf(worker0).get("reason").asString()).isEqualTo("sweep finished");
    List<String> audit = Files.readAllLines(dir.resolve("audit.jsonl"));
    JsonNode last = JSON.readTree(audit.get(audit.size() - 1));
    assertThat(last.get("user").asString()).isEqualTo("leader");
    assertThat(last.get("agent_id").asString()).isEqualTo(worker0);
  }

  @Test
  void lifecycleShutdownApproveTeamAgentBy() {
    ok("lifecycle", "shutdown-request", "--team", t1, "--agent", "worker0");
    ok("lifecycle", "shutdown-approve", "--team", t1, "--agent", "worker0", "--by", "leader");
    assertThat(lifecycleOf(worker0).get("state").asString()).isEqualTo("shutdown_approved");
  }

  @Test
  void lifecycleShutdownRejectTeamAgentByReason() {
    ok("lifecycle", "shutdown-request", "--team", t1, "--agent", "worker0");
    ok(
        "lifecycle",
        "shutdown-reject",
        "--team",
        t1,
        "--agent",
        "worker0",
        "--by",
        "leader",
        "--reason",
        "one more seed");
    assertThat(lifecycleOf(worker0).get("state").asString()).isEqualTo("running");
    assertThat(lifecycleOf(worker0).get("reason").asString()).isEqualTo("one more seed");
    // The agent is told why, in its inbox.
    assertThat(inboxOf(worker0).get(0).get("body").asString()).contains("one more seed");
  }

  @Test
  void lifecycleStatusTeamAgent() {
    ok("lifecycle", "idle", "--team", t1, "--agent", "trainer0");
    JsonNode one = JSON.readTree(
        ok("lifecycle", "status", "--team", t1, "--agent", "trainer0", "--json").out());
    assertThat(one.get("agent_id").asString()).isEqualTo(trainer0);
    assertThat(one.get("lifecycle").get("state").asString()).isEqualTo("idle");
    JsonNode all =
        JSON.readTree(ok("lifecycle", "status", "--team", t1, "--json").out());
    assertThat(all.get("agents")).hasSize(2);
    assertThat(lifecycleOf(trainer0).get("state").asString()).isEqualTo("idle");
  }

  // ---------------------------------------------------------------- artifact

  String register(String path, String... extra) {
    Cli.Result r =
        ok(Stream.concat(Stream.of("artifact", "register", t1, path, "--json"), Stream.of(extra))
            .toArray(String[]::new));
    return JSON.readTree(r.out()).get("artifact_id").asString();
  }

  @Test
  void artifactRegisterTeamIdPathTypeValLossAgentTags() throws IOException {
    Path model = Files.writeString(dir.resolve("model.nemo"), "weights");
    String id = register(
        model.toString(),
        "--type",
        "nemo-checkpoint",
        "--val-loss",
        "0.042",
        "--agent",
        "trainer0",
        "--tags",
        "lr-2e-4,best");
    JsonNode a = record("artifacts", id);
    assertThat(a.get("artifact_type").asString()).isEqualTo("nemo-checkpoint");
    assertThat(a.get("path").asString()).isEqualTo(model.toAbsolutePath().toString());
    assertThat(a.get("val_loss").asDouble()).isEqualTo(0.042);
    assertThat(a.get("agent_id").asString()).isEqualTo("trainer0");
    assertThat(a.get("tags").toString()).isEqualTo("[\"lr-2e-4\",\"best\"]");
    assertThat(a.get("promoted").asBoolean()).isFalse();
    assertThat(a.get("nemo_config_hash").asString()).isEqualTo(sha256Prefix("weights".getBytes()));
  }

  static String sha256Prefix(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes))
          .substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void artifactRegisterHashesTheFirstMibOfACheckpointAs10Does() throws IOException {
    byte[] head = new byte[1 << 20];
    new java.util.Random(7).nextBytes(head);
    Path big = dir.resolve("big.nemo");
    Files.write(big, head);
    Files.write(big, "tail".getBytes(), java.nio.file.StandardOpenOption.APPEND);
    String id = register(big.toString());
    assertThat(record("artifacts", id).get("nemo_config_hash").asString())
        .isEqualTo(sha256Prefix(head));
    // Another type, a directory, or a path not on this machine: no hash, as given.
    Path data = Files.createDirectories(dir.resolve("shards"));
    assertThat(record("artifacts", register(data.toString()))
            .get("nemo_config_hash")
            .asString())
        .isEmpty();
    String lora = register(big.toString(), "--type", "lora-adapter");
    assertThat(record("artifacts", lora).get("nemo_config_hash").asString()).isEmpty();
    String given = register("/remote/model.nemo", "--config-hash", "9f86d081");
    assertThat(record("artifacts", given).get("nemo_config_hash").asString()).isEqualTo("9f86d081");
  }

  @Test
  void artifactRegisterTypeDefaultsToNemoCheckpointAsIn10() throws IOException {
    Path data = Files.createDirectories(dir.resolve("data"));
    String id = register(data.toString());
    assertThat(record("artifacts", id).get("artifact_type").asString())
        .isEqualTo("nemo-checkpoint");
    String lora = register(data.toString(), "--type", "lora-adapter");
    assertThat(record("artifacts", lora).get("artifact_type").asString()).isEqualTo("lora-adapter");
  }

  @Test
  void artifactListTeamIdTypeSortPromoted() {
    String worse = register("/ckpt/a.nemo", "--val-loss", "0.3");
    String better = register("/ckpt/b.nemo", "--val-loss", "0.1");
    String lora = register("/ckpt/c", "--type", "lora-adapter", "--val-loss", "0.05");
    JsonNode byLoss = JSON.readTree(
        ok("artifact", "list", t1, "--type", "nemo-checkpoint", "--json").out());
    assertThat(
            byLoss.get("artifacts").valueStream().map(a -> a.get("artifact_id").asString()))
        .containsExactly(better, worse);
    JsonNode byTime = JSON.readTree(
        ok("artifact", "list", t1, "--sort", "created_at", "--json").out());
    assertThat(
            byTime.get("artifacts").valueStream().map(a -> a.get("artifact_id").asString()))
        .containsExactly(worse, better, lora);
    ok("artifact", "promote", t1, better);
    JsonNode promoted =
        JSON.readTree(ok("artifact", "list", t1, "--promoted", "--json").out());
    assertThat(promoted
            .get("artifacts")
            .valueStream()
            .map(a -> a.get("artifact_id").asString()))
        .containsExactly(better);
  }

  @Test
  void artifactPromoteTeamIdArtifactIdDemotesTheOtherOfItsType() {
    String a = register("/ckpt/a.nemo", "--val-loss", "0.3");
    String b = register("/ckpt/b.nemo", "--val-loss", "0.1");
    ok("artifact", "promote", t1, a);
    ok("artifact", "promote", t1, b);
    assertThat(record("artifacts", a).get("promoted").asBoolean()).isFalse();
    assertThat(record("artifacts", b).get("promoted").asBoolean()).isTrue();
  }

  @Test
  void artifactShowTeamIdArtifactId() {
    String a = register("/ckpt/a.nemo", "--val-loss", "0.3", "--agent", "trainer0");
    Cli.Result r = ok("artifact", "show", t1, a);
    assertThat(r.out())
        .contains("artifact_id       " + a)
        .contains("val_loss          0.3")
        .contains("agent             trainer0");
    assertThat(record("artifacts", a).get("path").asString()).isEqualTo("/ckpt/a.nemo");
  }
}
