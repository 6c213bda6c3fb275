package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code nemospawn daemon} through the real {@code bin/nemospawn}: the launcher forwards argv,
 * environment and working directory to the daemon, gets stdout, stderr and the exit code back
 * apart, and falls back to a JVM of its own when the daemon is gone or declines the command. The
 * daemon's count of calls served tells which path ran.
 */
class DaemonIT {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path dir;

  Path data;

  @BeforeEach
  void startDaemon() throws Exception {
    data = dir.resolve("data");
    Result r = launcher(Map.of("NEMOSPAWN_DAEMON", "off"), "daemon", "start", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(JSON.readTree(r.out()).get("running").asBoolean()).isTrue();
  }

  @AfterEach
  void stopDaemon() throws Exception {
    Result r = launcher(Map.of("NEMOSPAWN_DAEMON", "off"), "daemon", "stop");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(data.resolve("run/daemon")).doesNotExist();
  }

  @Test
  void hostileArgumentsReachTheCommandByteForByte() throws Exception {
    String team = id(launcher(Map.of(), "team", "create", "hostile", "--json"), "team_id");
    // a fresh daemon for each test: the team's creation is its only call so far
    long before = awaitCalls(1);
    String title =
        "it's \"quoted\" $(id) `id` \\ back\\slash\nsecond line\ttab ünïcödé * ; | & -- ''";
    Result r = launcher(Map.of(), "task", "create", "--team", team, "--title", title, "--json");
    assertThat(r.code()).as(r.err()).isZero();
    awaitCalls(before + 1);
    String task = id(r, "task_id");
    JsonNode stored =
        JSON.readTree(data.resolve("teams/" + team + "/tasks/" + task + ".json").toFile());
    assertThat(stored.get("title").asString()).isEqualTo(title);
    assertThat(JSON.readTree(r.out()).get("title").asString()).isEqualTo(title);
  }

  @Test
  void eachCommandPrintsAndExitsAsInAJvmOfItsOwn() throws Exception {
    String team = id(launcher(Map.of(), "team", "create", "same", "--json"), "team_id");
    String task = id(
        launcher(Map.of(), "task", "create", "--team", team, "--title", "t", "--json"), "task_id");
    List<List<String>> commands = List.of(
        List.of("task", "list", "--team", "nope"),
        List.of("task", "update"),
        List.of("task", "update", task, "--status", "bogus", "--team", team),
        List.of("task", "show", task, "--team", team, "--json"),
        List.of("team", "list"),
        List.of("task", "list", "--team", team, "--status", "nonsense"),
        List.of("task", "--help"),
        List.of("version"));
    // a fresh daemon for each test: the team's and the task's creation are its calls so far
    long before = awaitCalls(2);
    for (List<String> c : commands) {
      String[] args = c.toArray(String[]::new);
      Result own = launcher(Map.of("NEMOSPAWN_DAEMON", "off"), args);
      Result forwarded = launcher(Map.of(), args);
      assertThat(forwarded).as(String.join(" ", c)).isEqualTo(own);
    }
    awaitCalls(before + commands.size());
    assertThat(launcher(Map.of(), "task", "list", "--team", "nope").code()).isEqualTo(1);
    assertThat(launcher(Map.of(), "task", "update").code()).isEqualTo(2);
  }

  @Test
  void concurrentCallersWithDifferentTeamsKeepTheirOwn() throws Exception {
    String a = id(launcher(Map.of(), "team", "create", "alpha", "--json"), "team_id");
    String b = id(launcher(Map.of(), "team", "create", "beta", "--json"), "team_id");
    // a fresh daemon for each test: the two teams' creation are its calls so far
    long before = awaitCalls(2);
    int perCaller = 4;
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (String team : List.of(a, b)) {
      for (int caller = 0; caller < 2; caller++) {
        int c = caller;
        Thread t = new Thread(() -> {
          try {
            for (int i = 0; i < perCaller; i++) {
              Result r = launcher(
                  Map.of("NEMOSPAWN_TEAM", team, "NEMOSPAWN_AGENT", "agent-" + team),
                  "task",
                  "create",
                  "--title",
                  team + " " + c + " " + i);
              assertThat(r.code()).as(r.err()).isZero();
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        threads.add(t);
        t.start();
      }
    }
    for (Thread t : threads) {
      t.join(TimeUnit.MINUTES.toMillis(5));
    }
    assertThat(failures).isEmpty();
    awaitCalls(before + 4 * perCaller);
    for (String team : List.of(a, b)) {
      TreeSet<String> titles = new TreeSet<>();
      try (Stream<Path> s = Files.list(data.resolve("teams/" + team + "/tasks"))) {
        for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
          titles.add(JSON.readTree(p.toFile()).get("title").asString());
        }
      }
      TreeSet<String> expected = new TreeSet<>();
      for (int c = 0; c < 2; c++) {
        for (int i = 0; i < perCaller; i++) {
          expected.add(team + " " + c + " " + i);
        }
      }
      assertThat(titles).isEqualTo(expected);
    }
  }

  @Test
  void relativePathsAreTheCallersAndTheDaemonsEnvironmentIsNotUsed() throws Exception {
    long before = calls();
    // --data-dir relative to the caller's directory, which is not the daemon's.
    Result r = run(
        dir, Map.of("NEMOSPAWN_DATA_DIR", ""), null, "team", "create", "rel", "--data-dir", "data");
    assertThat(r.code()).as(r.err()).isZero();
    awaitCalls(before + 1);
    Result relEnv = run(dir, Map.of("NEMOSPAWN_DATA_DIR", "data"), null, "team", "list", "--json");
    assertThat(relEnv.code()).as(relEnv.err()).isZero();
    assertThat(JSON.readTree(relEnv.out()).get("teams").get(0).get("name").asString())
        .isEqualTo("rel");
    awaitCalls(before + 2);
    // The daemon's own working directory is its data directory: nothing was made there.
    assertThat(data.resolve("data")).doesNotExist();
    // No NEMOSPAWN_TEAM in this caller: the daemon must not lend one of its own or another's.
    Result missing = launcher(Map.of(), "task", "list");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).startsWith("Missing team: give TEAM_ID as the first argument");
  }

  @Test
  void configOverridesFromTheEnvironmentAreTheCallers() throws Exception {
    long before = calls();
    Result overridden = launcher(Map.of("NEMOSPAWN_WEB_PORT", "9123"), "config", "get", "web_port");
    Result plain = launcher(Map.of(), "config", "get", "web_port");
    Result own = launcher(Map.of("NEMOSPAWN_DAEMON", "off"), "config", "get", "web_port");
    awaitCalls(before + 2);
    assertThat(overridden.out().trim()).isEqualTo("9123");
    assertThat(plain).isEqualTo(own);
    assertThat(plain.out().trim()).isNotEqualTo("9123");
  }

  @Test
  void aClientWithoutTheTokenGetsNothingAndChangesNothing() throws Exception {
    Path runDir = data.resolve("run");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(runDir)))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(runDir.resolve("daemon"))))
        .isEqualTo("rw-------");
    int port = Integer.parseInt(Files.readString(runDir.resolve("daemon")).split(" ")[0]);
    long before = calls();
    for (String token : List.of("", "0123456789abcdef0123456789abcdef", "x".repeat(5000))) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(20_000);
        OutputStream o = s.getOutputStream();
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        for (String f : List.of(
            "NEMOSPAWN1",
            token,
            "call",
            "intruder",
            dir.toString(),
            "000",
            "1",
            "NEMOSPAWN_DATA_DIR=" + data,
            "3",
            "team",
            "create",
            "intruder")) {
          req.write(f.getBytes(StandardCharsets.UTF_8));
          req.write(0);
        }
        try {
          o.write(req.toByteArray());
          o.flush();
        } catch (IOException closedEarly) {
          // The daemon may close before all of it is written.
        }
        InputStream in = s.getInputStream();
        int first;
        try {
          first = in.read();
        } catch (IOException reset) {
          first = -1;
        }
        assertThat(first).as("reply to token '%s'", token).isEqualTo(-1);
      }
    }
    assertThat(calls()).isEqualTo(before);
    assertThat(data.resolve("teams"))
        .satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  @Test
  void aDaemonKilledHardLeavesAStaleRunFileThatTheLauncherDrops() throws Exception {
    Path runFile = data.resolve("run/daemon");
    long pid = Long.parseLong(Files.readString(runFile).trim().split(" ")[3]);
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    h.destroyForcibly();
    h.onExit().get(1, TimeUnit.MINUTES);
    assertThat(runFile).exists();
    Result r = launcher(Map.of(), "team", "create", "after", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(JSON.readTree(r.out()).get("name").asString()).isEqualTo("after");
    assertThat(runFile).doesNotExist();
  }

  @Test
  void aCommandThatReadsStdinRunsInAJvmOfItsOwn() throws Exception {
    long before = calls();
    Result r = run(dir, Map.of(), "wiz\nclaude\n\n\n\n\n\n\n\n", "profile", "wizard");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    Result show = launcher(Map.of(), "profile", "show", "wiz", "--json");
    assertThat(show.code()).as(show.err()).isZero();
    assertThat(JSON.readTree(show.out()).toString()).contains("claude");
    assertThat(calls()).isEqualTo(before);
  }

  @Test
  void autoStartsTheDaemonOnFirstUseAndLaterCallsGoThroughIt() throws Exception {
    Path other = dir.resolve("other");
    Map<String, String> env =
        Map.of("NEMOSPAWN_DATA_DIR", other.toString(), "NEMOSPAWN_DAEMON", "auto");
    try {
      Result first = launcher(env, "team", "create", "auto", "--json");
      assertThat(first.code()).as(first.err()).isZero();
      assertThat(JSON.readTree(first.out()).get("name").asString()).isEqualTo("auto");
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> DaemonCommand.live(other).isPresent());
      long before =
          Long.parseLong(DaemonClient.find(other).orElseThrow().status().get(2));
      Result list = launcher(env, "team", "list", "--json");
      assertThat(list.code()).as(list.err()).isZero();
      assertThat(JSON.readTree(list.out()).get("teams").get(0).get("name").asString())
          .isEqualTo("auto");
      awaitCalls(other, before + 1);
    } finally {
      Result stop = launcher(
          Map.of("NEMOSPAWN_DATA_DIR", other.toString(), "NEMOSPAWN_DAEMON", "off"),
          "daemon",
          "stop");
      assertThat(stop.code()).as(stop.err()).isZero();
    }
  }

  @Test
  void statusReportsTheDaemonAndStartIsANoOpWhileItRuns() throws Exception {
    Result status = launcher(Map.of(), "daemon", "status", "--json");
    assertThat(status.code()).as(status.err()).isZero();
    JsonNode s = JSON.readTree(status.out());
    assertThat(s.get("running").asBoolean()).isTrue();
    long pid = s.get("pid").asLong();
    Result again = launcher(Map.of(), "daemon", "start");
    assertThat(again.code()).isZero();
    assertThat(again.out()).startsWith("Already running: the daemon (pid " + pid + ", 127.0.0.1:");
  }

  private long calls() throws IOException {
    return calls(data);
  }

  private static long calls(Path dataDir) throws IOException {
    return Long.parseLong(DaemonClient.find(dataDir).orElseThrow().status().get(2));
  }

  private long awaitCalls(long expected) throws IOException {
    return awaitCalls(data, expected);
  }

  /**
   * Returns the daemon's count of calls served once it has reached {@code expected} (at most 20
   * s), after checking that it is no more: the daemon counts a call after its reply, so the caller
   * can be done before the count is.
   */
  private static long awaitCalls(Path dataDir, long expected) throws IOException {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () -> assertThat(calls(dataDir)).as("calls served").isGreaterThanOrEqualTo(expected));
    long now = calls(dataDir);
    assertThat(now).as("calls served").isEqualTo(expected);
    return now;
  }

  private static String id(Result r, String field) {
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out()).get(field).asString();
  }

  private Result launcher(Map<String, String> env, String... args) throws Exception {
    return run(dir, env, null, args);
  }

  /** Runs bin/nemospawn in {@code cwd}; an empty value in {@code env} removes the variable. */
  private Result run(Path cwd, Map<String, String> env, String stdin, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(CliProcesses.LAUNCHER.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    Map<String, String> e = pb.environment();
    e.remove("NEMOSPAWN_TEAM");
    e.remove("NEMOSPAWN_AGENT");
    e.remove("NEMOSPAWN_DAEMON");
    e.put("NEMOSPAWN_DATA_DIR", data.toString());
    e.put("LC_ALL", "C.UTF-8");
    for (Map.Entry<String, String> kv : new HashMap<>(env).entrySet()) {
      if (kv.getValue().isEmpty()) {
        e.remove(kv.getKey());
      } else {
        e.put(kv.getKey(), kv.getValue());
      }
    }
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread pump = new Thread(() -> {
      try {
        p.getErrorStream().transferTo(err);
      } catch (IOException ignored) {
        // The process ended.
      }
    });
    pump.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(Duration.ofMinutes(3).toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("nemospawn " + String.join(" ", args) + " did not finish");
    }
    pump.join();
    return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
  }

  record Result(int code, String out, String err) {}
}
